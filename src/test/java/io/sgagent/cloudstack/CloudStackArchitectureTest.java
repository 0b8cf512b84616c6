package io.sgagent.cloudstack;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The CloudStack adapter is a client of the core like the API is: it reaches the agent only through
 * {@code SecurityGroupService} (and its outcome types) and the model, shares the API's problem types, outcome
 * mapping and device checks ({@code api.common}) and nothing else of the API, and nothing but Spring depends on it.
 */
@AnalyzeClasses(packages = "io.sgagent", importOptions = ImportOption.DoNotIncludeTests.class)
class CloudStackArchitectureTest {

    @ArchTest
    static final ArchRule onlyTheServiceAndTheModel = noClasses()
            .that().resideInAPackage("io.sgagent.cloudstack..")
            .should().dependOnClassesThat().resideInAnyPackage("io.sgagent.compiler..", "io.sgagent.netfilter..",
                    "io.sgagent.state..", "io.sgagent.ruleset..", "io.sgagent.metrics..")
            .orShould().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("io.sgagent.api..")
                    .and(JavaClass.Predicates.resideOutsideOfPackage("io.sgagent.api.common..")))
            .orShould().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("io.sgagent.reconcile..")
                    .and(JavaClass.Predicates.simpleNameEndingWith("Reconciler")
                            .or(JavaClass.Predicates.simpleNameEndingWith("Repairer"))))
            .because("the adapter is a client of the core, like the API");

    @ArchTest
    static final ArchRule nothingDependsOnTheAdapter = noClasses()
            .that().resideOutsideOfPackage("io.sgagent.cloudstack..")
            .should().dependOnClassesThat().resideInAPackage("io.sgagent.cloudstack..");

    @ArchTest
    static final ArchRule packagePrivate = classes()
            .that().resideInAPackage("io.sgagent.cloudstack..").and().areTopLevelClasses()
            .should().notBePublic()
            .because("no other package needs the adapter's classes (members of an interface are public by rule)");
}
