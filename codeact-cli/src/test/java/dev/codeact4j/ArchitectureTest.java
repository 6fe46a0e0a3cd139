package dev.codeact4j;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of the library modules, checked on their compiled classes: packages free of cycles, dependencies pointing
 * down only (sandbox, agent, memory, then the CLI; the egress proxy beside the sandbox, reached only as a service; the
 * data module on the sandbox alone, used by the CLI), and the sandbox module free of everything but Jackson, the JDK
 * and JNA (its way to libseccomp), the agent free of DuckDB.
 */
class ArchitectureTest {

    private static final JavaClasses CODEACT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // the other modules' test helpers come as test jars when Maven has packaged them
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.codeact4j");

    @Test
    void noPackageOfTheLibraryIsInACycle() {
        slices().matching("dev.codeact4j.(**)").should().beFreeOfCycles().check(CODEACT);
    }

    @Test
    void dependenciesPointDownOnly() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("sandbox").definedBy("dev.codeact4j.sandbox..")
                .layer("egress").definedBy("dev.codeact4j.egress..")
                .layer("agent").definedBy("dev.codeact4j.agent..", "dev.codeact4j.model..", "dev.codeact4j.result..",
                        "dev.codeact4j.tools..", "dev.codeact4j.trace..")
                .layer("memory").definedBy("dev.codeact4j.memory..", "dev.codeact4j.store..")
                .layer("data").definedBy("dev.codeact4j.data..")
                .layer("server").definedBy("dev.codeact4j.server..")
                .layer("cli").definedBy("dev.codeact4j.cli..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("egress").mayNotBeAccessedByAnyLayer()
                .whereLayer("data").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("server").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("memory").mayOnlyBeAccessedByLayers("server", "cli")
                .whereLayer("agent").mayOnlyBeAccessedByLayers("memory", "server", "cli")
                .whereLayer("sandbox").mayOnlyBeAccessedByLayers("egress", "agent", "memory", "data", "server", "cli")
                .check(CODEACT);
    }

    @Test
    void theSandboxNeedsNothingButJacksonTheJdkAndJna() {
        classes().that().resideInAPackage("dev.codeact4j.sandbox..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "dev.codeact4j.sandbox..", "java..", "com.fasterxml.jackson..", "com.sun.jna..")
                .check(CODEACT);
    }

    @Test
    void duckDbIsTheDataModulesAlone() {
        classes().that().resideOutsideOfPackages("dev.codeact4j.data..", "dev.codeact4j.cli..")
                .should().onlyDependOnClassesThat().resideOutsideOfPackage("org.duckdb..")
                .check(CODEACT);
    }
}
