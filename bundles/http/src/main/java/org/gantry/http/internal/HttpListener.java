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

    private final HttpListenerConfig config;

    @Activate
    public HttpListener(HttpListenerConfig config) {
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
