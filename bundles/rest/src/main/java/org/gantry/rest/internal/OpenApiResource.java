package org.gantry.rest.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.gantry.protocol.access.GuardedResource;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /openapi.json}: the OpenAPI document of this bundle's resources, generated from their JAX-RS and
 * OpenAPI annotations at build time (swagger-maven-plugin), so it cannot drift from the code.
 */
@Component(service = OpenApiResource.class)
@JakartarsResource
@JakartarsName("gantry.openapi")
@GuardedResource
@Path("/openapi.json")
public class OpenApiResource {

    static final String DOCUMENT = "openapi.json";

    private final byte[] document = load();

    private static byte[] load() {
        try (InputStream in = OpenApiResource.class.getResourceAsStream(DOCUMENT)) {
            if (in == null) {
                throw new IllegalStateException(
                        DOCUMENT + " is missing from the bundle: the build did not generate it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @PermitAll
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public byte[] document() {
        return document;
    }
}
