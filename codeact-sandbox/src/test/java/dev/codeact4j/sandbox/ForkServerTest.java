package dev.codeact4j.sandbox;

import org.junit.jupiter.api.Test;

import static dev.codeact4j.sandbox.SandboxTestSupport.SANDBOX;
import static dev.codeact4j.sandbox.SandboxTestSupport.quickPolicy;
import static org.assertj.core.api.Assertions.assertThat;

class ForkServerTest {
    @Test
    void aSessionWithADefaultPolicyIsForked() {
        try (Session session = SANDBOX.open(quickPolicy().allowImports("*").build())) {
            assertThat(session.howStarted().forked()).as(String.valueOf(session.howStarted())).isTrue();
            ExecutionResult result = session.execute("import os, sys\nprint(os.getpid(), os.getppid(), os.getcwd(), 'numpy' in sys.modules)\n1 + 1");
            assertThat(result.error()).isNull();
            System.out.println(result.stdout() + " took " + session.howStarted().took());
            assertThat(result.result().repr()).isEqualTo("2");
        }
    }
}
