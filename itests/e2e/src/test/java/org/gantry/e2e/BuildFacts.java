package org.gantry.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the build produces, as the deployment tests compare it with the manifests and the image: the image's name,
 * tag, ports and user (deploy/image/image.env) and the distribution's default ports (its etc/ placeholders).
 */
final class BuildFacts {

    static final Path ROOT = Path.of(System.getProperty("gantry.root")).toAbsolutePath().normalize();
    private static final Pattern DEFAULT_PORT = Pattern.compile("\\$\\[env:(\\w+);default=(\\d+)]");

    private BuildFacts() {
    }

    /** deploy/image/image.env: what build-image.sh makes, and what every manifest in deploy/ names. */
    static Map<String, String> imageEnv() throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("deploy/image/image.env"))) {
            int equals = line.indexOf('=');
            if (!line.startsWith("#") && equals > 0) {
                values.put(line.substring(0, equals).trim(), line.substring(equals + 1).trim());
            }
        }
        return values;
    }

    /** The default of the port the distribution's etc/ files take from {@code variable}, e.g. GANTRY_GRPC_PORT. */
    static int portDefault(String variable) throws IOException {
        try (Stream<Path> configs = Files.list(E2eFiles.DISTRIBUTION.resolve("etc"))) {
            for (Path config : (Iterable<Path>) configs.filter(p -> p.toString().endsWith(".cfg")).sorted()::iterator) {
                Matcher port = DEFAULT_PORT.matcher(Files.readString(config));
                while (port.find()) {
                    if (port.group(1).equals(variable)) {
                        return Integer.parseInt(port.group(2));
                    }
                }
            }
        }
        throw new AssertionError(
                "no file in " + E2eFiles.DISTRIBUTION.resolve("etc") + " takes a port from " + variable);
    }
}
