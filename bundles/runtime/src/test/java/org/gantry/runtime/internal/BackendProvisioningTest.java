package org.gantry.runtime.internal;

import static org.gantry.test.support.TestTensors.floats;
import static org.gantry.test.support.TestTensors.fp32;
import static org.gantry.runtime.internal.TestModels.scaleConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.gantry.api.backend.BackendProvisioner;
import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.memory.internal.MemoryManagerImpl;
import org.gantry.runtime.internal.TestModels.MemoryRepository;
import org.gantry.runtime.internal.TestModels.ScalingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backends that ship but do not run, provided on demand; a request waits a bounded time (1 s in these tests). */
class BackendProvisioningTest {

    private MemoryRepository repository;
    private final ScalingBackend backend = new ScalingBackend();
    private ModelManager manager;
    private final FeatureLike feature = new FeatureLike();

    /** Provides test_platform's backend as a Karaf feature would: once, when asked, finishing when told to. */
    private final class FeatureLike implements BackendProvisioner {
        final AtomicInteger asked = new AtomicInteger();
        final CompletableFuture<Void> installed = new CompletableFuture<>();
        private Provisioning provisioning;

        @Override
        public synchronized Optional<Provisioning> provision(String backendOrPlatform) {
            if (!backendOrPlatform.equals("test_platform")) {
                return Optional.empty();
            }
            asked.incrementAndGet();
            if (provisioning == null) {
                provisioning = new Provisioning("test feature gantry-backend-test",
                        "feature:install gantry-backend-test", installed.thenRun(() -> manager.addBackend(backend)));
            }
            return Optional.of(provisioning);
        }
    }

    @BeforeEach
    void start(@TempDir Path models) {
        repository = new MemoryRepository(models);
        manager = new ModelManager(repository, MemoryManagerImpl.forHost(1L << 30, null), TestModels.config(0));
        manager.addProvisioner(feature);
        repository.add(scaleConfig("scale", 0, null), 1L);
    }

    @AfterEach
    void stop() {
        manager.deactivate();
    }

    private float infer() {
        return floats(manager.infer("scale", null, InferenceRequest.of(List.of(fp32("INPUT__0", new long[] { 1 },
                2)))).outputs().get(0))[0];
    }

    @Test
    void aModelWhoseBackendIsProvidedWithinTheWaitIsServedByItsFirstRequest() {
        feature.installed.complete(null);

        assertEquals(2f, infer());
        assertEquals(1, backend.loads.get());
    }

    @Test
    void whileTheBackendIsOnItsWayARequestGets503WithRetryAfterAndTheStepThatInstallsItByHand() {
        GantryException onItsWay = assertThrows(GantryException.class, this::infer);

        assertEquals(ErrorKind.UNAVAILABLE, onItsWay.kind());
        assertEquals(OptionalInt.of(BackendProvisioning.RETRY_AFTER_SECONDS), onItsWay.retryAfterSeconds());
        assertTrue(onItsWay.getMessage().contains("platform 'test_platform', which test feature"
                + " gantry-backend-test provides: it is being provided now"), onItsWay.getMessage());
        assertTrue(onItsWay.getMessage().contains("feature:install gantry-backend-test"), onItsWay.getMessage());
        feature.installed.complete(null);
        assertEquals(2f, infer(), "served once it arrived");
    }

    @Test
    void aBackendThatCouldNotBeProvidedIsReportedWithTheReasonAndTheStepByHand() {
        feature.installed.completeExceptionally(new IllegalStateException("the feature repository is unreadable"));

        GantryException failed = assertThrows(GantryException.class, this::infer);

        assertEquals(ErrorKind.UNAVAILABLE, failed.kind());
        assertTrue(failed.getMessage().contains("the feature repository is unreadable"), failed.getMessage());
        assertTrue(failed.getMessage().contains("To provide it by hand: feature:install gantry-backend-test"),
                failed.getMessage());
    }

    @Test
    void askingWhetherTheModelIsReadyStartsProvidingItsBackend() {
        assertFalse(manager.willServe("scale", null));
        assertEquals(1, feature.asked.get());

        feature.installed.complete(null);

        assertTrue(manager.willServe("scale", null));
        assertArrayEquals(new float[] { 2 }, new float[] { infer() });
    }

    @Test
    void aPlatformNoProvisionerKnowsFailsAsBeforeNamingTheMissingBackend() {
        repository.add(new org.gantry.api.model.ModelConfig("other", "unknown_platform", "", 0, null, null, null,
                null, null, null), 1L);

        GantryException missing = assertThrows(GantryException.class, () -> manager.infer("other", null,
                InferenceRequest.of(List.of())));

        assertTrue(missing.getMessage().contains("no backend for platform 'unknown_platform' is installed"),
                missing.getMessage());
        assertEquals(0, feature.asked.get());
    }
}
