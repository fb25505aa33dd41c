package org.gantry.api.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoadContextTest {

    private static final String FILE_PARAMETER = "default_model_filename";

    @TempDir
    Path root;
    private Path model;
    private Path outside;

    record Context(ModelConfig config, long version, Path modelDirectory) implements ModelLoadContext {
        @Override
        public Device device() {
            return Device.CPU;
        }
    }

    @BeforeEach
    void modelFolderAndAFileOutsideIt() throws IOException {
        model = Files.createDirectories(root.resolve("models/m"));
        Files.writeString(Files.createDirectories(model.resolve("1")).resolve("model.pt"), "weights");
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("secret.pt"), "not the model's");
    }

    private Context version(long version, String fileName) {
        Map<String, String> parameters = fileName == null ? Map.of() : Map.of(FILE_PARAMETER, fileName);
        return new Context(new ModelConfig("m", "", "test", 0, List.of(), List.of(), null, null, parameters, null),
                version, model);
    }

    private static String refusal(String fileName) {
        return "model 'm': parameter '" + FILE_PARAMETER + "' must name a file inside the model's folder, not '"
                + fileName + "'";
    }

    private String refused(Context context) {
        GantryException e = assertThrows(GantryException.class,
                () -> context.resolveInVersion(FILE_PARAMETER, "model.pt"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        return e.getMessage();
    }

    @Test
    void aRelativeNameResolvesInTheVersionFolderAndTheDefaultWhereTheParameterIsAbsent() throws IOException {
        Path real = model.toRealPath();
        assertEquals(real.resolve("1/model.pt"), version(1, null).resolveInVersion(FILE_PARAMETER, "model.pt"));
        assertEquals(real.resolve("1/sub/other.pt"), version(1, "./sub//other.pt")
                .resolveInVersion(FILE_PARAMETER, "model.pt"), "a file that does not exist (yet) resolves too");
        assertEquals(real.resolve("1/model.pt"), version(1, "sub/../model.pt")
                .resolveInVersion(FILE_PARAMETER, "x"));
    }

    @Test
    void absoluteAndClimbingNamesAreRefusedNamingTheParameter() {
        for (String name : new String[] { outside.resolve("secret.pt").toString(), "/etc/passwd",
                model.resolve("1/model.pt").toString(), "../x", "a/../../x", "../1/model.pt",
                "../../../outside/secret.pt", "", ".", "..", "nul\0byte" }) {
            assertEquals(refusal(name), refused(version(1, name)), name);
        }
    }

    @Test
    void aLinkOutOfTheModelFolderIsRefusedAlikeWhetherItsTargetExistsOrNot() throws IOException {
        Path version = model.resolve("1");
        Files.createSymbolicLink(version.resolve("absolute.pt"), outside.resolve("secret.pt"));
        Files.createSymbolicLink(version.resolve("relative.pt"), Path.of("../../../outside/secret.pt"));
        Files.createSymbolicLink(version.resolve("folder"), Path.of("../../../outside"));
        Files.createSymbolicLink(version.resolve("chain.pt"), Path.of("relative.pt"));
        Files.createSymbolicLink(version.resolve("sneaky.pt"), model.toRealPath().resolve("../../outside/secret.pt"));
        Files.createSymbolicLink(version.resolve("up"), Path.of("../.."));
        // The last leaves the model's folder and comes back: refused, as what lies outside is not looked at.
        String[] names = { "absolute.pt", "relative.pt", "folder/secret.pt", "chain.pt", "sneaky.pt",
                "up/m/1/model.pt" };

        for (String name : names) {
            assertEquals(refusal(name), refused(version(1, name)), name);
        }
        Files.delete(outside.resolve("secret.pt"));
        for (String name : names) {
            assertEquals(refusal(name), refused(version(1, name)), name + " without its target");
        }
    }

    @Test
    void linksThatStayInTheModelFolderAreFollowed() throws IOException {
        Path real = model.toRealPath();
        Path second = Files.createDirectories(model.resolve("2"));
        Files.createSymbolicLink(second.resolve("model.pt"), Path.of("../1/model.pt"));
        Files.createSymbolicLink(second.resolve("absolute.pt"), real.resolve("1/model.pt"));
        Files.createSymbolicLink(second.resolve("chain.pt"), Path.of("absolute.pt"));
        Files.createSymbolicLink(second.resolve("weights"), Path.of("../1"));

        for (String name : new String[] { "model.pt", "absolute.pt", "chain.pt", "weights/model.pt" }) {
            assertEquals(real.resolve("1/model.pt"), version(2, name).resolveInVersion(FILE_PARAMETER, "x"), name);
        }
    }

    @Test
    void aLinkLoopIsRefused() throws IOException {
        Files.createSymbolicLink(model.resolve("1/a"), Path.of("b"));
        Files.createSymbolicLink(model.resolve("1/b"), Path.of("a"));

        assertEquals(refusal("a"), refused(version(1, "a")));
    }

    @Test
    void aFileAllVersionsShareIsTakenFromTheModelFolderWhereTheVersionHasNone() throws IOException {
        Path real = model.toRealPath();
        assertEquals(real.resolve("tokenizer.json"), version(1, null)
                .resolveInVersionOrModel(FILE_PARAMETER, "tokenizer.json"));
        Files.writeString(model.resolve("1/tokenizer.json"), "{}");
        assertEquals(real.resolve("1/tokenizer.json"), version(1, null)
                .resolveInVersionOrModel(FILE_PARAMETER, "tokenizer.json"));
        assertEquals(real.resolve("missing.json"), version(1, "missing.json")
                .resolveInVersionOrModel(FILE_PARAMETER, "tokenizer.json"), "neither has it: the model's");

        GantryException climbing = assertThrows(GantryException.class, () -> version(1, "../tokenizer.json")
                .resolveInVersionOrModel(FILE_PARAMETER, "tokenizer.json"));
        assertEquals(refusal("../tokenizer.json"), climbing.getMessage(),
                "a name is refused where it climbs out of either folder");
    }
}
