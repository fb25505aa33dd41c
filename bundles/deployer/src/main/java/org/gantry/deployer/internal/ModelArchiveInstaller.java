package org.gantry.deployer.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;

import org.apache.commons.io.file.PathUtils;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.apache.felix.fileinstall.ArtifactListener;
import org.gantry.api.error.GantryException;
import org.gantry.api.server.ModelServer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FileInstall's handler for model archives in Karaf's {@code deploy/} folder: an archive named
 * {@code <model>.zip} (or {@code .tar.gz}, {@code .tgz}) holding a Triton model folder is unpacked and added to the
 * server as model {@code <model>}; replacing the file reloads it, removing it removes the model. An unsafe or
 * malformed archive is refused with the reason in the log, and nothing is written outside its own folder.
 */
@Component(service = { ArtifactInstaller.class, ArtifactListener.class }, configurationPid = ModelArchiveInstaller.PID)
@Designate(ocd = DeployerConfig.class)
public final class ModelArchiveInstaller implements ArtifactInstaller {

    static final String PID = "org.gantry.deployer";
    private static final Logger LOG = LoggerFactory.getLogger(ModelArchiveInstaller.class);

    private final ModelServer server;
    private final Path folder;
    private final ArchiveExtractor extractor;

    @Activate
    public ModelArchiveInstaller(@Reference(name = "server") ModelServer server, DeployerConfig config) {
        this(server, config.folder().isBlank() ? Path.of(System.getProperty("karaf.data",
                System.getProperty("java.io.tmpdir")), "gantry", "deployed") : Path.of(config.folder()),
                new ArchiveExtractor(ExtractionLimits.of(config)));
    }

    ModelArchiveInstaller(ModelServer server, Path folder, ArchiveExtractor extractor) {
        this.server = server;
        this.folder = folder.toAbsolutePath().normalize();
        this.extractor = extractor;
    }

    @Override
    public boolean canHandle(File artifact) {
        return ArchiveExtractor.isArchive(artifact.getName());
    }

    @Override
    public void install(File artifact) {
        String model = ArchiveExtractor.modelName(artifact.getName());
        Path target = folder.resolve(model).normalize();
        Path staging = folder.resolve("." + model + ".unpacking");
        try {
            if (!target.getParent().equals(folder)) {
                throw new ArchiveExtractor.UnsafeArchiveException("'" + model + "' is not a valid model name");
            }
            delete(staging);
            extractor.extract(artifact.toPath(), staging);
            delete(target);
            Files.move(staging, target);
        } catch (IOException e) {
            LOG.error("Refused model archive {}: {}", artifact, reason(e));
            delete(staging);
            return;
        }
        try {
            server.add(model, target);
            LOG.info("Deployed model '{}' from {}", model, artifact);
        } catch (RuntimeException e) {
            LOG.error("Model archive {} could not be served as model '{}': {}", artifact, model, reason(e));
            delete(target);
        }
    }

    @Override
    public void update(File artifact) {
        uninstall(artifact);
        install(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        String model = ArchiveExtractor.modelName(artifact.getName());
        Path target = folder.resolve(model).normalize();
        if (!target.getParent().equals(folder)) {
            return;
        }
        try {
            server.remove(model);
            LOG.info("Removed model '{}': its archive {} left deploy/", model, artifact);
        } catch (GantryException e) {
            LOG.debug("Model '{}' was not deployed: {}", model, e.getMessage());
        }
        delete(target);
    }

    private static String reason(Exception e) {
        return Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
    }

    private static void delete(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            PathUtils.delete(path);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot delete {}: {}", path, reason(e));
        }
    }
}
