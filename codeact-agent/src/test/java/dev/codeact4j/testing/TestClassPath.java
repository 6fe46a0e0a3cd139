package dev.codeact4j.testing;

import java.io.File;

/** The class path for a child JVM of a test: everything the test itself sees. */
public final class TestClassPath {
    private TestClassPath() {
    }

    /**
     * Surefire may run the tests on the module path (the library modules have descriptors), where java.class.path lists
     * only what is not a module, or from a jar whose manifest holds the class path; the child takes all of it as its
     * class path.
     */
    public static String all() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String modules = System.getProperty("jdk.module.path");
        return modules == null || modules.isEmpty() ? classPath : modules + File.pathSeparator + classPath;
    }
}
