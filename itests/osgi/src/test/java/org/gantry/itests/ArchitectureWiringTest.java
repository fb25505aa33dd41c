package org.gantry.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.junit5.context.BundleContextExtension;

/**
 * The arrows of docs/architecture.md, checked on the real wiring: every package a Gantry bundle imports is
 * judged against the rules below, and a forbidden arrow fails the build with the bundle, the package and the rule.
 *
 * <p>The bundles this framework runs are judged by their wires ({@link BundleWiring#getRequiredWires}). The
 * other Gantry bundles (the shell, the HTTP listener, the deployer, the gRPC API, seq2seq, the libtorch and
 * TensorFlow engines and backends, the ONNX example) are installed from the build for this test, never started:
 * by their wires where they resolve here, else by the package imports they declare (the shell needs Karaf's
 * shell, the deployer Felix's FileInstall). So every bundle of the build is checked, and a new arrow anywhere fails.
 *
 * <p>To add a bundle to the check, give its jar to {@code gantry.itest.wiring.bundles} in itest.bndrun. To fix a
 * violation, remove the import, not the rule; {@link #KNOWN_VIOLATIONS} only shrinks.
 */
@ExtendWith(BundleContextExtension.class)
class ArchitectureWiringTest {

    /**
     * Arrows that break a rule today, each with the step that removes it. An entry that no longer matches an arrow
     * fails the test too: when the step lands, its entry goes.
     */
    static final Map<String, String> KNOWN_VIOLATIONS = Map.of();

    /** The bundles the check must have seen: a bundle missing from the framework would be checked by nobody. */
    static final Set<String> EXPECTED = Set.of("org.gantry.api", "org.gantry.runtime", "org.gantry.memory",
            "org.gantry.repository", "org.gantry.protocol", "org.gantry.rest", "org.gantry.http", "org.gantry.shell",
            "org.gantry.metrics", "org.gantry.status", "org.gantry.traffic", "org.gantry.provisioning",
            "org.gantry.grpc",
            "org.gantry.lifecycle",
            "org.gantry.deployer", "org.gantry.engine.pytorch", "org.gantry.engine.libtorch",
            "org.gantry.engine.tensorflow", "org.gantry.engine.tokenizers", "org.gantry.backend.torchscript",
            "org.gantry.backend.tensorflow", "org.gantry.backend.ensemble", "org.gantry.backend.seq2seq",
            "org.gantry.processor.tokenizer", "org.example.gantry.onnxruntime");

    private static final Pattern PACKAGE_FILTER = Pattern.compile("\\(osgi\\.wiring\\.package=([^)*]+)\\)");
    /** Packages of native engines: only engines and the backends on them may import them. */
    private static final List<String> ENGINE_LIBRARIES = List.of("ai.djl", "org.tensorflow", "ai.onnxruntime",
            "org.gantry.engine");

    private static final List<Bundle> installedForTheCheck = new ArrayList<>();
    private static BundleContext framework;

    /** One import: {@code bundle} uses {@code pkg}, wired (or, unresolved, declared). */
    record Arrow(String bundle, String pkg, boolean wired) {
        String key() {
            return bundle + " -> " + pkg;
        }
    }

    /** A rule of the map: which bundles it governs, and which of their Gantry imports it forbids. */
    record Rule(String statement, Predicate<String> governs, Predicate<String> forbids) {
    }

    /** What the rules say, as in docs/architecture.md ("The map: parts and arrows"). */
    static final List<Rule> RULES = List.of(
            new Rule("nothing depends on rest, shell or metrics", bundle -> true,
                    pkg -> inAny(pkg, "org.gantry.rest", "org.gantry.shell", "org.gantry.metrics")),
            new Rule("the API depends on nothing of Gantry's implementation", "org.gantry.api"::equals,
                    pkg -> isGantry(pkg) && !inAny(pkg, "org.gantry.api")),
            new Rule("the runtime imports only the API of Gantry's packages", "org.gantry.runtime"::equals,
                    pkg -> isGantry(pkg) && !inAny(pkg, "org.gantry.api")),
            new Rule("policy and front ends never name an engine", bundle -> kind(bundle) == Kind.CORE,
                    pkg -> inAny(pkg, ENGINE_LIBRARIES.toArray(String[]::new))),
            new Rule("front ends and resources import only the API (and, for front ends, the protocol bundle)",
                    bundle -> kind(bundle) == Kind.CORE,
                    pkg -> isGantry(pkg) && !inAny(pkg, "org.gantry.api", "org.gantry.protocol")),
            new Rule("backends and processors import only the API and engines of Gantry's packages",
                    bundle -> kind(bundle) == Kind.PLUGIN,
                    pkg -> isGantry(pkg) && !inAny(pkg, "org.gantry.api", "org.gantry.engine")),
            new Rule("backends never see the memory contract (org.gantry.api.memory)",
                    bundle -> kind(bundle) == Kind.PLUGIN, pkg -> inAny(pkg, "org.gantry.api.memory")),
            new Rule("engines know no Gantry implementation", bundle -> kind(bundle) == Kind.ENGINE,
                    pkg -> isGantry(pkg) && !inAny(pkg, "org.gantry.api", "org.gantry.engine")));

    enum Kind {
        /** The API, the runtime, memory, repository and the front ends (rest, grpc, http, shell, metrics, deployer). */
        CORE,
        /** Bundles that own a native engine: org.gantry.engine.*. */
        ENGINE,
        /** Backends and processors, Gantry's and third parties'. */
        PLUGIN,
        /** Not Gantry's (libraries, the framework, this test). */
        OTHER
    }

    static Kind kind(String bundle) {
        if (bundle.startsWith("org.gantry.engine.")) {
            return Kind.ENGINE;
        }
        if (bundle.startsWith("org.gantry.backend.") || bundle.startsWith("org.gantry.processor.")
                || bundle.equals("org.example.gantry.onnxruntime")) {
            return Kind.PLUGIN;
        }
        return bundle.startsWith("org.gantry.") ? Kind.CORE : Kind.OTHER;
    }

    private static boolean isGantry(String pkg) {
        return inAny(pkg, "org.gantry");
    }

    private static boolean inAny(String pkg, String... prefixes) {
        return Arrays.stream(prefixes).anyMatch(p -> pkg.equals(p) || pkg.startsWith(p + "."));
    }

    /** Whether the bundle imports a package of its own (bnd imports what it exports): no arrow. */
    private static boolean own(String bundle, String pkg) {
        return inAny(pkg, bundle);
    }

    @BeforeAll
    static void installTheOtherBundles(@InjectBundleContext BundleContext context) throws Exception {
        framework = context.getBundle(0).getBundleContext(); // installs outside the extension's clean-up
        Set<String> present = new TreeSet<>();
        for (Bundle bundle : framework.getBundles()) {
            present.add(String.valueOf(bundle.getSymbolicName()));
        }
        String jars = System.getProperty("gantry.itest.wiring.bundles", "");
        for (String jar : jars.split(",")) {
            if (jar.isBlank()) {
                continue;
            }
            // By reference: Felix reads the jar where it lies instead of copying it (the TensorFlow engine is big).
            Bundle bundle = framework.installBundle("reference:file:" + jar.trim());
            if (present.contains(bundle.getSymbolicName())) {
                continue; // installing an installed location returns the same bundle
            }
            installedForTheCheck.add(bundle);
        }
        framework.getBundle(0).adapt(FrameworkWiring.class).resolveBundles(installedForTheCheck);
    }

    @AfterAll
    static void uninstallThem() throws BundleException, InterruptedException {
        for (Bundle bundle : installedForTheCheck) {
            bundle.uninstall();
        }
        CountDownLatch refreshed = new CountDownLatch(1);
        framework.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(installedForTheCheck, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        refreshed.await(1, TimeUnit.MINUTES);
        installedForTheCheck.clear();
    }

    @Test
    void noBundleImportsAPackageTheArchitectureForbids() {
        Set<String> wired = new TreeSet<>();
        Map<String, List<Arrow>> arrows = arrowsOfGantryBundles(wired);
        Set<String> missing = new TreeSet<>(EXPECTED);
        missing.removeAll(arrows.keySet());
        assertTrue(missing.isEmpty(), "bundles of the build the check never saw (install them for the check in"
                + " itest.bndrun, gantry.itest.wiring.bundles): " + missing);

        Map<Boolean, List<String>> byWiring = new TreeMap<>();
        arrows.forEach((bundle, imports) -> byWiring.computeIfAbsent(wired.contains(bundle), w -> new ArrayList<>())
                .add(bundle));
        System.out.println("Architecture wiring: checked by their wires " + byWiring.get(true)
                + "; by their declared imports (unresolved here) " + byWiring.getOrDefault(false, List.of()));

        List<String> violations = new ArrayList<>();
        Set<String> allowedAndSeen = new LinkedHashSet<>();
        arrows.forEach((bundle, imports) -> {
            for (Arrow arrow : imports) {
                for (Rule rule : RULES) {
                    if (rule.governs().test(bundle) && rule.forbids().test(arrow.pkg())) {
                        if (KNOWN_VIOLATIONS.containsKey(arrow.key())) {
                            allowedAndSeen.add(arrow.key());
                        } else {
                            violations.add(arrow.key() + (arrow.wired() ? "" : " (declared)") + " breaks the rule: "
                                    + rule.statement());
                        }
                    }
                }
            }
        });
        Set<String> stale = new TreeSet<>(KNOWN_VIOLATIONS.keySet());
        stale.removeAll(allowedAndSeen);
        if (!violations.isEmpty() || !stale.isEmpty()) {
            StringBuilder message = new StringBuilder();
            if (!violations.isEmpty()) {
                message.append("Forbidden arrows (see docs/architecture.md, 'The map: parts and arrows'):\n  ")
                        .append(String.join("\n  ", violations)).append('\n');
            }
            if (!stale.isEmpty()) {
                message.append("Known violations that no longer occur; remove them from KNOWN_VIOLATIONS: ")
                        .append(stale).append('\n');
            }
            fail(message.toString());
        }
    }

    /**
     * Every Gantry bundle's imports of other bundles' packages, by bundle: its wires, and the imports its manifest
     * declares that no wire satisfies (an unresolved bundle's, or an optional import nobody here exports). Adds the
     * bundles that are resolved here to {@code resolved}.
     */
    private static Map<String, List<Arrow>> arrowsOfGantryBundles(Set<String> resolved) {
        Map<String, List<Arrow>> arrows = new LinkedHashMap<>();
        for (Bundle bundle : framework.getBundles()) {
            String name = bundle.getSymbolicName();
            if (name == null || kind(name) == Kind.OTHER || bundle.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            Set<String> wired = new TreeSet<>();
            BundleWiring wiring = bundle.adapt(BundleWiring.class);
            if (wiring != null) {
                resolved.add(name);
                for (BundleWire wire : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                    wired.add((String) wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE));
                }
            }
            Set<String> declared = declaredImports(bundle.adapt(BundleRevision.class));
            declared.removeAll(wired);
            List<Arrow> imports = new ArrayList<>();
            wired.stream().filter(pkg -> !own(name, pkg)).forEach(pkg -> imports.add(new Arrow(name, pkg, true)));
            declared.stream().filter(pkg -> !own(name, pkg)).forEach(pkg -> imports.add(new Arrow(name, pkg, false)));
            arrows.put(name, imports);
        }
        return arrows;
    }

    /** The packages a bundle's manifest imports (optional ones included). */
    private static Set<String> declaredImports(BundleRevision revision) {
        Set<String> packages = new TreeSet<>();
        for (BundleRequirement requirement : revision.getDeclaredRequirements(PackageNamespace.PACKAGE_NAMESPACE)) {
            String filter = requirement.getDirectives().get(PackageNamespace.REQUIREMENT_FILTER_DIRECTIVE);
            Matcher matcher = PACKAGE_FILTER.matcher(filter == null ? "" : filter);
            if (matcher.find()) {
                packages.add(matcher.group(1));
            }
        }
        return packages;
    }
}
