package dev.codeact4j.sandbox;

public class SmokeMain {
    public static void main(String[] args) throws Exception {
        Sandbox sandbox = Sandbox.create();
        System.out.println(sandbox.describe());
        long t = System.nanoTime();
        try (Session s = sandbox.open()) {
            System.out.println("start ms " + (System.nanoTime() - t) / 1e6);
            for (String code : args) {
                ExecutionResult r = s.execute(code, (st, tx) -> System.out.print("[" + st + "] " + tx));
                System.out.println(r);
            }
            for (int i = 0; i < 5; i++) {
                t = System.nanoTime();
                s.execute("1+1");
                System.out.println("rt us " + (System.nanoTime() - t) / 1e3);
            }
        }
    }
}
