package dev.releasepilot;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Imports point downstream (DESIGN.md "The pipeline"): ingest → window → decide → act, with rules,
 * journal and telemetry at the side that the pipeline uses, api beside decide (it only submits commands
 * and reads state), and app (wiring) used only by cli. Each package lists the project packages it may
 * use; anything else, and any cycle between packages, fails the build.
 */
class PackageLayeringTest {
    private static final String ROOT = "dev.releasepilot";
    private static final String ALL_BUT_CLI = "rules window telemetry journal act decide ingest api http notify publish";

    /** Package → the other project packages it may depend on. */
    private static final Map<String, Set<String>> MAY_USE = new LinkedHashMap<>();

    static {
        MAY_USE.put("rules", Set.of());
        MAY_USE.put("telemetry", Set.of());
        // The HTTP surface's shared pieces (the JSON error shape): used by ingest's receivers and by api.
        MAY_USE.put("http", Set.of());
        MAY_USE.put("window", Set.of("rules"));
        MAY_USE.put("journal", Set.of("telemetry"));
        MAY_USE.put("act", Set.of("rules", "journal", "telemetry"));
        MAY_USE.put("decide", Set.of("window", "act", "journal", "rules", "telemetry"));
        // notify hears decide's events (it is an EventSink) and tells people; it never decides or acts.
        MAY_USE.put("notify", Set.of("decide", "rules", "telemetry"));
        // publish hears decide's events (it is an EventSink) and puts them on NATS for machines; app hands
        // it the connection that ingest's NATS source shares, so it never uses ingest.
        MAY_USE.put("publish", Set.of("decide", "telemetry"));
        // ingest turns wire formats into decide's Signals; never api.
        MAY_USE.put("ingest", Set.of("window", "decide", "rules", "journal", "telemetry", "http"));
        // api never bypasses decide: no act, and nothing upstream of it.
        MAY_USE.put("api", Set.of("decide", "journal", "rules", "telemetry", "http"));
        MAY_USE.put("app", Set.of(ALL_BUT_CLI.split(" ")));
        MAY_USE.put("cli", Set.of((ALL_BUT_CLI + " app").split(" ")));
    }

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
    }

    @Test
    void everyPackageHasALayeringRule() {
        Set<String> found = classes.stream().map(PackageLayeringTest::topPackage).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(found.containsAll(Set.of("rules", "ingest", "decide", "act", "journal", "api", "app", "cli")), found::toString);
        assertEquals(new TreeSet<>(), new TreeSet<>(found.stream().filter(p -> !MAY_USE.containsKey(p)).toList()),
                "packages without an entry in MAY_USE (add one, pointing downstream)");
    }

    @Test
    void rules() {
        mayOnlyUse("rules").check(classes);
    }

    @Test
    void telemetry() {
        mayOnlyUse("telemetry").check(classes);
    }

    @Test
    void window() {
        mayOnlyUse("window").check(classes);
    }

    @Test
    void journal() {
        mayOnlyUse("journal").check(classes);
    }

    @Test
    void act() {
        mayOnlyUse("act").check(classes);
    }

    @Test
    void decide() {
        mayOnlyUse("decide").check(classes);
    }

    @Test
    void ingest() {
        mayOnlyUse("ingest").check(classes);
    }

    @Test
    void api() {
        mayOnlyUse("api").check(classes);
    }

    @Test
    void app() {
        mayOnlyUse("app").check(classes);
    }

    @Test
    void cli() {
        mayOnlyUse("cli").check(classes);
    }

    @Test
    void notifyStage() {
        mayOnlyUse("notify").check(classes);
    }

    @Test
    void publishStage() {
        mayOnlyUse("publish").check(classes);
    }

    @Test
    void http() {
        mayOnlyUse("http").check(classes);
    }

    /**
     * One sub-package per source, load balancer and rule language: each stands alone beside its
     * siblings and shares only what its parent package holds (e.g. act's Command and Weights).
     */
    @Test
    void sourcesAndLoadBalancersDoNotUseEachOther() {
        for (String parent : List.of("ingest", "act")) {
            slices().matching(ROOT + "." + parent + ".(*)..").should().notDependOnEachOther().check(classes);
        }
    }

    @Test
    void ruleLanguagesDoNotUseEachOtherExceptPromqlSelectorsUseMatchers() {
        noClasses().that().resideInAPackage(ROOT + ".rules.matcher..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".rules.promql..", ROOT + ".rules.backend..")
                .check(classes);
        noClasses().that().resideInAPackage(ROOT + ".rules.promql..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".rules.backend..")
                .check(classes);
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theRulesReallyDetectAnUpstreamImport() {
        // Guard against a vacuous rule: ingest does use decide today, so forbidding it must fail.
        AssertionError e = assertThrows(AssertionError.class, () -> rule("ingest", Set.of("rules")).check(classes));
        assertTrue(e.getMessage().contains("dev.releasepilot.decide"), e.getMessage());
    }

    private static ArchRule mayOnlyUse(String pkg) {
        return rule(pkg, MAY_USE.get(pkg));
    }

    private static ArchRule rule(String pkg, Set<String> allowed) {
        DescribedPredicate<JavaClass> forbidden = DescribedPredicate.describe(
                "are in a project package other than " + pkg + (allowed.isEmpty() ? "" : " and " + new TreeSet<>(allowed)),
                c -> c.getPackageName().startsWith(ROOT + ".") && !topPackage(c).equals(pkg) && !allowed.contains(topPackage(c)));
        return noClasses().that().resideInAPackage(ROOT + "." + pkg + "..")
                .should().dependOnClassesThat(forbidden)
                .because("imports point downstream (DESIGN.md, STYLE.md §1)");
    }

    private static String topPackage(JavaClass c) {
        String rest = c.getPackageName().length() > ROOT.length() ? c.getPackageName().substring(ROOT.length() + 1) : "";
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }
}
