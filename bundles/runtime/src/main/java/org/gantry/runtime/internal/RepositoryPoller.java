package org.gantry.runtime.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.gantry.api.error.GantryException;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triton's {@code poll} model control mode: the repository is looked at every interval; a model whose files
 * changed is acted on only once they stayed the same for a whole interval (a model still being copied is left
 * alone), and only if it is loaded: its changed or new versions load (the new taking over when ready), removed
 * models unload. Models never loaded stay unloaded until their first request, as always.
 */
final class RepositoryPoller implements AutoCloseable {

    /** What the poller asks of the runtime. */
    interface Actions {
        /** Whether any version of the model is loaded. */
        boolean isLoaded(String model);

        /** The model's files changed (the versions whose folders changed, and whether its config did). */
        void changed(String model, Set<Long> changedVersions, boolean configChanged);

        /** The model left the repository. */
        void removed(String model);
    }

    /** A model's files: config.pbtxt and each version folder, by size and modification time. */
    private record Fingerprint(String config, Map<Long, String> versions) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryPoller.class);

    private final ModelRepository repository;
    private final Actions actions;
    private final ScheduledExecutorService timer;
    /** What each model looked like at the last poll. */
    private final Map<String, Fingerprint> lastSeen = new HashMap<>();
    /** What each model looked like when last acted on (or first seen). */
    private final Map<String, Fingerprint> settled = new HashMap<>();

    RepositoryPoller(ModelRepository repository, Actions actions, long intervalSeconds) {
        this.repository = repository;
        this.actions = actions;
        this.timer = intervalSeconds <= 0 ? null : Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gantry-repository-poll");
            thread.setDaemon(true);
            return thread;
        });
        if (timer != null) {
            timer.scheduleWithFixedDelay(this::pollSafely, 0, intervalSeconds, TimeUnit.SECONDS);
        }
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warn("Polling the model repository {} failed: {}", repository.location(), e.toString());
        }
    }

    /** One look at the repository (the timer calls it; tests call it directly). */
    synchronized void poll() {
        Set<String> present = new HashSet<>();
        for (String name : repository.modelNames()) {
            present.add(name);
            Fingerprint now;
            try {
                Optional<RepositoryModel> model = repository.model(name);
                if (model.isEmpty()) {
                    continue;
                }
                now = fingerprint(model.get());
            } catch (GantryException | UncheckedIOException e) {
                continue; // unreadable for now (e.g. a config being written): look again next time
            }
            Fingerprint before = lastSeen.put(name, now);
            Fingerprint acted = settled.get(name);
            if (acted == null) {
                settled.put(name, now); // first sight: the baseline
            } else if (now.equals(before) && !now.equals(acted)) { // changed, and stable for an interval
                settled.put(name, now);
                if (actions.isLoaded(name)) {
                    Set<Long> versions = new HashSet<>();
                    now.versions().forEach((version, files) -> {
                        if (!files.equals(acted.versions().get(version))) {
                            versions.add(version);
                        }
                    });
                    LOG.info("Model '{}' changed in the repository (versions {}{}): loading it again", name, versions,
                            Objects.equals(now.config(), acted.config()) ? "" : ", configuration");
                    actions.changed(name, versions, !Objects.equals(now.config(), acted.config()));
                }
            }
        }
        for (String gone : new HashSet<>(lastSeen.keySet())) {
            if (!present.contains(gone)) {
                lastSeen.remove(gone);
                settled.remove(gone);
                if (actions.isLoaded(gone)) {
                    LOG.info("Model '{}' left the repository: unloading it", gone);
                    actions.removed(gone);
                }
            }
        }
    }

    /** The version folders are the repository's own reading of the model, so both agree on what a version is. */
    private static Fingerprint fingerprint(RepositoryModel model) {
        Map<Long, String> versions = new TreeMap<>();
        try {
            for (long version : model.versions()) {
                versions.put(version, describeTree(model.directory().resolve(Long.toString(version))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Fingerprint(describe(model.directory().resolve("config.pbtxt")), versions);
    }

    private static String describe(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis() : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String describeTree(Path folder) throws IOException {
        StringBuilder description = new StringBuilder();
        try (Stream<Path> files = Files.walk(folder)) {
            files.filter(Files::isRegularFile).sorted().forEach(file -> description.append(folder.relativize(file))
                    .append('=').append(describe(file)).append(';'));
        }
        return description.toString();
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
