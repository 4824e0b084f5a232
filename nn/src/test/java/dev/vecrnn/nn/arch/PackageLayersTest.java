package dev.vecrnn.nn.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages of nn depend one way, so that the folder tree is the architecture:
 * <pre>
 *   train  ->  format  ->  model  ->  layers  ->  recurrent  ->  io  ->  core (dev.vecrnn.nn)  ->  kernels
 * </pre>
 * (each may use any package to its right; train is on top because its checkpoints are model files). Checked on nn's main class files, with ArchUnit.
 */
class PackageLayersTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.vecrnn.nn");
    }

    /** ArchUnit reads these class files (a reader too old for their version would import nothing and prove nothing). */
    @Test
    void theMainClassesAreRead() {
        for (String c : new String[] {"dev.vecrnn.nn.Tensor", "dev.vecrnn.nn.io.SafeTensors", "dev.vecrnn.nn.recurrent.Recurrent",
                "dev.vecrnn.nn.layers.Dense", "dev.vecrnn.nn.model.Model", "dev.vecrnn.nn.train.Trainer", "dev.vecrnn.nn.format.ModelFile"}) {
            assertTrue(classes.contain(c), c + " was not imported");
        }
        assertTrue(classes.get("dev.vecrnn.nn.model.Model").getDirectDependenciesFromSelf().size() > 10,
                "the dependencies of Model were not read");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.vecrnn.nn.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theCoreDependsOnNoOtherPackageOfNn() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that().resideInAPackage("dev.vecrnn.nn")
                .should().dependOnClassesThat().resideInAPackage("dev.vecrnn.nn.*..")
                .check(classes);
    }

    @Test
    void thePackagesDependOneWay() {
        Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("core").definedBy("dev.vecrnn.nn")
                .layer("io").definedBy("dev.vecrnn.nn.io..")
                .layer("recurrent").definedBy("dev.vecrnn.nn.recurrent..")
                .layer("layers").definedBy("dev.vecrnn.nn.layers..")
                .layer("model").definedBy("dev.vecrnn.nn.model..")
                .layer("format").definedBy("dev.vecrnn.nn.format..")
                .layer("train").definedBy("dev.vecrnn.nn.train..")
                .whereLayer("train").mayNotBeAccessedByAnyLayer()
                .whereLayer("format").mayOnlyBeAccessedByLayers("train")
                .whereLayer("model").mayOnlyBeAccessedByLayers("format", "train")
                .whereLayer("layers").mayOnlyBeAccessedByLayers("model", "format", "train")
                .whereLayer("recurrent").mayOnlyBeAccessedByLayers("layers", "model", "format", "train")
                .whereLayer("io").mayOnlyBeAccessedByLayers("recurrent", "layers", "model", "format", "train")
                .check(classes);
    }
}
