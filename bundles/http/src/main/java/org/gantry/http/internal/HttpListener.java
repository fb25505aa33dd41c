package org.gantry.http.internal;

import java.util.concurrent.TimeUnit;

import org.apache.felix.http.jetty.ConnectorFactory;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.condition.Condition;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gantry's public HTTP port, added to Felix's Jetty through Felix's connector whiteboard. Felix's own connector
 * stays on a random loopback port (etc/org.apache.felix.http.cfg); this one carries the address, limits and error
 * shape Gantry promises its clients. Felix calls {@link #createConnector} again whenever it restarts Jetty.
 */
@Component(service = ConnectorFactory.class, configurationPid = HttpListenerConfig.PID)
@Designate(ocd = HttpListenerConfig.class)
public class HttpListener implements ConnectorFactory {

    private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);
    /** The condition the REST bundle registers once its start-up gate is in place. */
    static final String API_GATE = "gantry.api.gate";

    private final HttpListenerConfig config;

    /**
     * The port opens only once the REST bundle's start-up gate stands in front of the API (a condition, so this
     * bundle names no other): before it, a request could reach a half-registered API and get a 404 or a 500.
     */
    @Activate
    public HttpListener(HttpListenerConfig config,
            @Reference(name = "apiGate",
                    target = "(" + Condition.CONDITION_ID + "=" + API_GATE + ")") Condition apiGate) {
        this.config = config;
    }

    @Override
    public Connector createConnector(Server server) {
        // Jetty answers some requests itself (bad URI, headers too large, no such path): in JSON too.
        server.setErrorHandler(new JsonErrorHandler());
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfiguration(config)));
        connector.setName("gantry");
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(TimeUnit.SECONDS.toMillis(config.idleTimeoutSeconds()));
        LOG.info("Gantry listens for HTTP on {}:{}", config.host(), config.port());
        return connector;
    }

    static HttpConfiguration httpConfiguration(HttpListenerConfig config) {
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(config.maxRequestHeaderBytes());
        // The server's make and version help attackers more than clients.
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(true);
        // Refuse paths whose meaning depends on who decodes them (encoded '/', '..', '%00'), as Jetty's default does.
        http.setUriCompliance(UriCompliance.DEFAULT);
        return http;
    }
}
