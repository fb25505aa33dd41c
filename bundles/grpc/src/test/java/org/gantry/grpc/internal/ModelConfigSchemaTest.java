package org.gantry.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The ModelConfig RPC answers with this bundle's copy of Triton's model configuration schema, filled from the JSON
 * the repository bundle prints with its own copy: a field added to one and not the other would silently vanish from
 * gRPC answers.
 */
class ModelConfigSchemaTest {

    @Test
    void theGrpcBundlesModelConfigSchemaIsTheRepositoryBundles() throws IOException {
        List<String> here = schema(Path.of("src/main/proto/model_config.proto"));
        List<String> repository = schema(Path.of("../repository/src/main/proto/model_config.proto"));
        assertTrue(here.size() > 100, "the schema was read: " + here.size() + " lines");
        assertEquals(repository, here);
    }

    /** The schema's lines without comments and Java options, which may differ between the two. */
    private static List<String> schema(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("//") && !line.startsWith("option java_"))
                .toList();
    }
}
