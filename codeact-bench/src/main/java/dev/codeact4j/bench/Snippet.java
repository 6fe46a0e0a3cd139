package dev.codeact4j.bench;

import dev.codeact4j.sandbox.ExecutionResult;

/** The trivial snippet every round-trip benchmark runs, and the check that it really ran. */
final class Snippet {
    /** Prints something, as nearly every real snippet does, so each variant has output to bring back. */
    static final String TRIVIAL = "print(1 + 1)";
    static final String EXPECTED_OUTPUT = "2\n";

    /** The modules a pooled session has imported (SandboxPolicy.DATA_SCIENCE_PRELOAD), as one import line. */
    static final String DATA_SCIENCE_IMPORTS = "import numpy, pandas, matplotlib.pyplot";

    /**
     * Work for the interpreter itself, numpy and pure Python: how fast code runs once it runs (a forked session
     * must not be slower than a plainly started one). Prints two lines of True.
     */
    static final String COMPUTE = """
            import numpy
            a = numpy.arange(40000, dtype=float).reshape(200, 200) / 40000
            print(float((a @ a).sum()) > 0)
            print(sum(i * i for i in range(100000)) > 0)""";
    static final String COMPUTE_OUTPUT = "True\nTrue\n";

    private Snippet() {
    }

    static ExecutionResult check(ExecutionResult result) {
        if (!result.ok() || !EXPECTED_OUTPUT.equals(result.stdout())) {
            throw new IllegalStateException("the trivial snippet did not run as expected: " + result);
        }
        return result;
    }

    static String checkOutput(String output, String what) {
        if (!EXPECTED_OUTPUT.equals(output)) {
            throw new IllegalStateException(what + " printed " + output + " instead of " + EXPECTED_OUTPUT.strip());
        }
        return output;
    }
}
