package org.gantry.repository.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.repository.ModelRepository;
import org.gantry.api.repository.RepositoryModel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model repository in a local folder, in Triton's layout. Reads the folder on every call, so models that are
 * added, changed or removed are seen without a restart. Model names are single plain folder names: anything
 * that could reach outside the repository ({@code ..}, separators, links pointing elsewhere) is no model.
 */
@Component(service = ModelRepository.class, configurationPid = LocalModelRepository.PID)
@Designate(ocd = RepositoryConfig.class)
public final class LocalModelRepository implements ModelRepository {

    static final String PID = "org.gantry.repository";
    /** The environment variable the distribution's etc/org.gantry.repository.cfg reads (for messages). */
    static final String PATH_ENV = "GANTRY_MODEL_REPOSITORY";
    static final String DEFAULT_PATH = "models";
    static final String CONFIG_FILE = "config.pbtxt";
    private static final Logger LOG = LoggerFactory.getLogger(LocalModelRepository.class);

    private final Path root;

    @Activate
    public LocalModelRepository(RepositoryConfig config) {
        this(resolveRoot(config.path(), System.getProperty("karaf.home")));
    }

    public LocalModelRepository(Path root) {
        this.root = root.toAbsolutePath().normalize();
        if (Files.isDirectory(this.root)) {
            LOG.info("Model repository: {}", this.root);
        } else {
            LOG.warn("Model repository {} does not exist: no model can be served until it does (set {} or 'path' in"
                    + " etc/{}.cfg)", this.root, PATH_ENV, PID);
        }
    }

    /**
     * The configured folder ({@code models} when blank); relative paths are resolved against the server's home. The
     * environment reaches it through the configuration file's placeholder, {@code $[env:GANTRY_MODEL_REPOSITORY;...]}.
     */
    static Path resolveRoot(String configured, String home) {
        Path path = Path.of(configured == null || configured.isBlank() ? DEFAULT_PATH : configured.trim());
        return path.isAbsolute() || home == null ? path : Path.of(home).resolve(path);
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public SortedSet<String> modelNames() {
        SortedSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (isPlainName(name) && modelFolder(name).isPresent()) {
                    names.add(name);
                }
            }
        } catch (NoSuchFileException e) {
            return Collections.emptySortedSet();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the model repository " + root, e);
        }
        return names;
    }

    @Override
    public Optional<RepositoryModel> model(String name) {
        Optional<Path> folder = isPlainName(name) ? modelFolder(name) : Optional.empty();
        if (folder.isEmpty()) {
            return Optional.empty();
        }
        Path directory = folder.get();
        return Optional.of(new RepositoryModel(name, directory, readConfig(directory, name, false),
                versions(directory)));
    }

    @Override
    public RepositoryModel modelAt(String name, Path directory) {
        if (!isPlainName(name)) {
            throw GantryException.invalidArgument("'%s' is not a valid model name (a plain folder name is needed)",
                    name);
        }
        Path folder = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(folder)) {
            throw GantryException.invalidArgument("%s is not a folder", folder);
        }
        if (!isModelFolder(folder)) {
            // SageMaker unpacks an archive whose single top-level folder is the Triton model.
            List<Path> children = subfolders(folder);
            if (children.size() != 1 || !isModelFolder(children.get(0))) {
                throw GantryException.invalidArgument("%s holds no model: it needs %s and numeric version folders, or"
                        + " one folder that has them", folder, CONFIG_FILE);
            }
            folder = children.get(0);
        }
        return new RepositoryModel(name, folder, readConfig(folder, name, true), versions(folder));
    }

    @Override
    public ModelConfig parseConfigJson(String modelName, String json) {
        return ModelConfigJson.parse(json, modelName);
    }

    @Override
    public String configJson(ModelConfig config) {
        return ModelConfigJson.print(config);
    }

    private static boolean isModelFolder(Path folder) {
        return Files.isRegularFile(folder.resolve(CONFIG_FILE)) || !versions(folder).isEmpty();
    }

    private static List<Path> subfolders(Path folder) {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, Files::isDirectory)) {
            entries.forEach(children::add);
        } catch (IOException e) {
            throw GantryException.invalidArgument("cannot list %s: %s", folder, e.getMessage());
        }
        return children;
    }

    private static boolean isPlainName(String name) {
        return name != null && !name.isEmpty() && !name.equals(".") && !name.equals("..") && !name.startsWith(".")
                && name.chars().noneMatch(c -> c == '/' || c == '\\' || c == 0 || c == ':');
    }

    /** The model's folder if it is a directory that really lies inside the repository (links included). */
    private Optional<Path> modelFolder(String name) {
        Path candidate = root.resolve(name);
        if (!Files.isDirectory(candidate)) {
            return Optional.empty();
        }
        try {
            Path real = candidate.toRealPath();
            return real.getParent() != null && real.getParent().equals(root.toRealPath()) ? Optional.of(candidate)
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** @param renamed whether the model is served under a name of the caller's, not its folder's */
    private static ModelConfig readConfig(Path directory, String name, boolean renamed) {
        Path file = directory.resolve(CONFIG_FILE);
        if (!Files.exists(file)) {
            // Triton allows a missing config when the backend can complete it; the runtime reports what is missing.
            return ModelConfig.builder(name).build();
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return renamed ? ModelConfigParser.parseRenamed(text, name, file.toString())
                    : ModelConfigParser.parse(text, name, file.toString());
        } catch (IOException e) {
            throw GantryException.invalidArgument("cannot read %s: %s", file, e.getMessage());
        }
    }

    private static SortedSet<Long> versions(Path directory) {
        SortedSet<Long> versions = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, Files::isDirectory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.isEmpty() && name.length() <= 18 && name.chars().allMatch(Character::isDigit)) {
                    long version = Long.parseLong(name);
                    if (version > 0) {
                        versions.add(version);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the versions of " + directory, e);
        }
        return versions;
    }
}
