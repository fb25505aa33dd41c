package org.gantry.provisioning.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

import org.gantry.api.backend.BackendProvisioner.Provisioning;
import org.junit.jupiter.api.Test;

class OnDemandFeaturesTest {

    private static final Map<String, String> TENSORFLOW = OnDemandFeatures.parse(
            "tensorflow_savedmodel=gantry-backend-tensorflow, tensorflow = gantry-backend-tensorflow ,malformed");

    /** Karaf's features, as far as provisioning sees them: what is installed, and each install asked for. */
    private static final class FakeKaraf implements OnDemandFeatures.Features {
        final List<String> installed = new ArrayList<>();
        final List<String> installs = new ArrayList<>();
        String failure;

        @Override
        public boolean isInstalled(String feature) {
            return installed.contains(feature);
        }

        @Override
        public void install(String feature) {
            installs.add(feature);
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            installed.add(feature);
        }
    }

    /** Runs installs when told to, on the test's thread. */
    private static final class Later implements Executor {
        final List<Runnable> queued = new ArrayList<>();

        @Override
        public void execute(Runnable command) {
            queued.add(command);
        }

        void runAll() {
            queued.forEach(Runnable::run);
            queued.clear();
        }
    }

    @Test
    void theFeatureOfAPlatformIsInstalledOnceOffTheAskingThreadAndNamedWithItsCommand() throws Exception {
        FakeKaraf karaf = new FakeKaraf();
        Later installer = new Later();
        OnDemandFeatures features = new OnDemandFeatures(karaf, installer, true, TENSORFLOW);

        Provisioning first = features.provision("tensorflow_savedmodel").orElseThrow();
        Provisioning again = features.provision("tensorflow").orElseThrow();

        assertSame(first, again, "one installation per feature, whichever name asked");
        assertEquals(List.of(), karaf.installs, "nothing ran on the asking thread");
        assertEquals("Karaf feature gantry-backend-tensorflow", first.source());
        assertEquals("feature:install gantry-backend-tensorflow", first.manualStep());
        installer.runAll();
        first.done().toCompletableFuture().get();
        assertEquals(List.of("gantry-backend-tensorflow"), karaf.installs);
        assertEquals(Optional.empty(), features.provision("pytorch_libtorch"));
    }

    @Test
    void anInstalledFeatureIsNotInstalledAgainAndAFailureIsReportedWithItsReason() throws Exception {
        FakeKaraf karaf = new FakeKaraf();
        karaf.installed.add("gantry-backend-tensorflow");
        OnDemandFeatures installed = new OnDemandFeatures(karaf, Runnable::run, true, TENSORFLOW);
        installed.provision("tensorflow").orElseThrow().done().toCompletableFuture().get();
        assertEquals(List.of(), karaf.installs);

        FakeKaraf broken = new FakeKaraf();
        broken.failure = "cannot download mvn:org.gantry/org.gantry.engine.tensorflow";
        Provisioning failed = new OnDemandFeatures(broken, Runnable::run, true, TENSORFLOW).provision("tensorflow")
                .orElseThrow();
        ExecutionException reason = assertThrows(ExecutionException.class,
                () -> failed.done().toCompletableFuture().get());
        assertTrue(reason.getCause().getMessage().contains("cannot download"), reason.getCause().getMessage());
    }

    @Test
    void withInstallOnDemandOffNothingIsInstalledAndTheStepByHandIsStillNamed() {
        FakeKaraf karaf = new FakeKaraf();
        Provisioning off = new OnDemandFeatures(karaf, Runnable::run, false, TENSORFLOW).provision("tensorflow")
                .orElseThrow();

        ExecutionException reason = assertThrows(ExecutionException.class,
                () -> off.done().toCompletableFuture().get());
        assertTrue(reason.getCause().getMessage().contains("installOnDemand"), reason.getCause().getMessage());
        assertEquals("feature:install gantry-backend-tensorflow", off.manualStep());
        assertEquals(List.of(), karaf.installs);
    }
}
