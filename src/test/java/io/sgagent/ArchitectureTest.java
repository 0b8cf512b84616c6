package io.sgagent;

import static com.tngtech.archunit.base.DescribedPredicate.alwaysTrue;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.sgagent.netfilter.CommandRunner;
import io.sgagent.state.DesiredStateStore;

/**
 * The import directions of DESIGN.md section 4 and STYLE.md: a plain-Java core (model, compiler, ruleset)
 * without frameworks or I/O, netfilter that never learns what a VM is, one process runner.
 */
@AnalyzeClasses(packages = "io.sgagent", importOptions = ArchitectureTest.ProductionClassesOnly.class)
class ArchitectureTest {

    /** Like ImportOption.DoNotIncludeTests, but also for a build directory other than target/. */
    static final class ProductionClassesOnly implements ImportOption {
        @Override
        public boolean includes(com.tngtech.archunit.core.importer.Location location) {
            return !location.contains("/test-classes/");
        }
    }

    @ArchTest
    static final ArchRule coreHasNoFrameworksAndNoIo = noClasses()
            .that().resideInAnyPackage("io.sgagent.model..", "io.sgagent.ruleset..", "io.sgagent.compiler..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.springframework..", "tools.jackson..", "com.fasterxml..", "io.micrometer..",
                    "java.io..", "java.nio.file..")
            .because("the core is pure and testable without a container, a file system or a kernel");

    @ArchTest
    static final ArchRule netfilterDoesNotKnowVms = noClasses()
            .that().resideInAPackage("io.sgagent.netfilter..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.sgagent.model..", "io.sgagent.compiler..", "io.sgagent.reconcile..", "io.sgagent.api..")
            .because("netfilter speaks only the ruleset data; what a VM is stays in the compiler");

    @ArchTest
    static final ArchRule compilerDoesNotRunProcesses = noClasses()
            .that().resideInAPackage("io.sgagent.compiler..")
            .should().dependOnClassesThat().resideInAPackage("io.sgagent.netfilter..");

    @ArchTest
    static final ArchRule onlyTheProcessRunnerStartsProcesses = noClasses()
            .that().doNotHaveFullyQualifiedName("io.sgagent.netfilter.ProcessRunner")
            .should().dependOnClassesThat().haveNameMatching("java\\.lang\\.ProcessBuilder(\\$.*)?")
            .orShould().callMethod(Runtime.class, "exec", String.class)
            .orShould().callMethod(Runtime.class, "exec", String[].class)
            .because("every kernel call needs argv, a timeout, the netns prefix and captured stderr");

    @ArchTest
    static final ArchRule noCyclesBetweenPackages = slices()
            .matching("io.sgagent.(*)..")
            .should().beFreeOfCycles()
            .ignoreDependency(resideInAPackage("io.sgagent.config.."), alwaysTrue())
            .ignoreDependency(alwaysTrue(), resideInAPackage("io.sgagent.config.."));

    @ArchTest
    static final ArchRule onlyTheHostTransactionWritesTheDesiredState = noClasses()
            .that().doNotHaveFullyQualifiedName("io.sgagent.reconcile.HostTransaction")
            .and().resideOutsideOfPackage("io.sgagent.state..")
            .should().callMethodWhere(target(owner(assignableTo(DesiredStateStore.class)))
                    .and(target(nameMatching("save|saveAll|delete"))))
            .because("store, apply and undo are one transaction (seq -> compile -> store -> apply -> undo)");

    @ArchTest
    static final ArchRule onlyNetfilterRunsKernelTools = noClasses()
            .that().resideOutsideOfPackages("io.sgagent.netfilter..", "io.sgagent.config..")
            .should().dependOnClassesThat().areAssignableTo(CommandRunner.class)
            .because("the process boundary (argv, timeout, netns, tool path) is netfilter's; the rest asks it");

    @ArchTest
    static final ArchRule onlyReconcileStartsThreads = noClasses()
            .that().resideOutsideOfPackage("io.sgagent.reconcile..")
            .and().doNotHaveFullyQualifiedName("io.sgagent.netfilter.ToolCalls")
            .should().callMethod(Thread.class, "start")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.Executors")
            .orShould().callConstructorWhere(target(owner(assignableTo(Thread.class))))
            .because("the threads are the request threads, the drift and guard threads, the store thread and the "
                    + "tool-call pool that runs independent kernel tools side by side (docs/architecture.md)");
}
