package dev.codeact4j.bench;

import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.sandbox.SandboxPolicy;
import dev.codeact4j.sandbox.Session;
import dev.codeact4j.sandbox.StartupFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the files a policy gives every session cost its start: a cold {@link Sandbox#open} of a bare Python session
 * ({@code files=none}, as {@code ColdStartBenchmark}'s {@code preload=none}), with a Python tool file in the manner of
 * M3ToolEval's ({@code tools}: 12 functions with type hints and docstrings, run as a module, each function's
 * signature read by {@code inspect}), and with a setup file besides ({@code tools+setup}). The session is closed
 * after each invocation, outside the measured part.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 6, time = 4)
@Fork(1)
@State(Scope.Thread)
public class StartupFilesBenchmark {
    @Param({"none", "tools", "tools+setup"})
    public String files;

    private Sandbox sandbox;
    private SandboxPolicy policy;
    private Session session;

    /** Twelve tools as a tool suite writes them: typed parameters with defaults, a docstring with its Args. */
    static String toolFile() {
        StringBuilder code = new StringBuilder("from typing import Optional\n\nFARES = {'PAR': 120.0, 'ROM': 95.5}\n");
        for (int i = 1; i <= 12; i++) {
            code.append("""

                    def tool_%d(city: str, nights: int = 1, budget: Optional[float] = None) -> dict[str, float]:
                        \"""Prices a stay in a city, tool number %d of the suite.

                        Args:
                            city: the city's IATA code, e.g. ROM
                            nights: how many nights
                            budget: the most to spend, in euros
                        \"""
                        return {"total": FARES.get(city, 100.0) * nights}
                    """.formatted(i, i));
        }
        return code.toString();
    }

    @Setup(Level.Trial)
    public void prepare() {
        sandbox = Sandbox.create();
        List<StartupFile> setup = new ArrayList<>();
        if (files.equals("tools+setup")) {
            setup.add(new StartupFile("setup.py", "prices = {c: tool_1(c)['total'] for c in ('PAR', 'ROM')}\n"
                    + "print(len(prices), 'prices')\n"));
        }
        policy = SandboxPolicy.builder()
                .pythonTools(files.equals("none") ? List.of() : List.of(new StartupFile("tools.py", toolFile())))
                .setup(setup).build();
        try (Session first = sandbox.open(policy)) {
            if (first.pythonTools().size() != (files.equals("none") ? 0 : 12)) {
                throw new IllegalStateException("the session defined " + first.pythonTools().size() + " tools");
            }
            Snippet.check(first.execute(Snippet.TRIVIAL));
        }
    }

    @Benchmark
    public Session open() {
        session = sandbox.open(policy);
        return session;
    }

    @TearDown(Level.Invocation)
    public void close() {
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
