package org.gantry.deployer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.gantry.api.server.ModelServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelArchiveInstallerTest {

    @TempDir
    Path work;

    private final List<String> added = new ArrayList<>();
    /** A server that only records the models the installer adds. */
    private final ModelServer server = (ModelServer) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] { ModelServer.class }, (proxy, method, args) -> {
                if (method.getName().equals("add")) {
                    added.add((String) args[0]);
                }
                return null;
            });

    @Test
    void aRefusedBombLeavesNothingInTheUnpackFolderAndNeverReachesTheServer() throws IOException {
        Path archive = work.resolve("bomb.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(archive))) {
            zip.putNextEntry(new ZipEntry("config.pbtxt"));
            zip.write("platform: \"pytorch_libtorch\"\n".getBytes());
            zip.putNextEntry(new ZipEntry("zeros.bin"));
            zip.write(new byte[64 * 1024 * 1024]);
        }
        Path deployed = work.resolve("deployed");
        ExtractionLimits limits = new ExtractionLimits(1L << 30, 100, 0, 100, 1 << 20);
        ModelArchiveInstaller installer = new ModelArchiveInstaller(server, deployed,
                new ArchiveExtractor(limits, folder -> Long.MAX_VALUE));

        installer.install(archive.toFile());

        assertEquals(List.of(), added);
        try (Stream<Path> left = Files.list(deployed)) {
            assertEquals(List.of(), left.toList());
        }
    }
}
