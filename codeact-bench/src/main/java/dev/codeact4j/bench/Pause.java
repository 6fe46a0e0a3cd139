package dev.codeact4j.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Leaves the machine idle for {@value #MILLIS} ms before each invocation of a benchmark that takes this state,
 * outside the measured part. An agent's executions are seconds apart (the model thinks in between), and after
 * even a few milliseconds of idleness the processes' caches are cold and their CPUs asleep, which a
 * back-to-back loop never sees. 100 ms is as cold as it gets here: a pause of 10 ms or of 1 s gave the same
 * round trip when this was tried.
 */
@State(Scope.Thread)
public class Pause {
    static final long MILLIS = 100;

    @Setup(Level.Invocation)
    public void pause() throws InterruptedException {
        Thread.sleep(MILLIS);
    }
}
