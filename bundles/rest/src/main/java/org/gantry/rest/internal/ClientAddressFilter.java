package org.gantry.rest.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterDispatcher;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * Notes on each request whether it came from the loopback interface, for {@link AccessGuard}: servlet attributes
 * are the request properties Jersey shows to JAX-RS filters, and a client cannot set them. The address is the
 * connection's peer; no forwarding header is believed. It runs first (highest ranking) and again on the
 * asynchronous dispatch {@link BodyReadingFilter} makes once a body has arrived: a request whose body came in
 * later than its headers would otherwise reach the guard without the mark and count as remote.
 */
@Component(service = Filter.class, property = "service.ranking:Integer=1000")
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardFilterAsyncSupported
@HttpWhiteboardFilterDispatcher({ DispatcherType.REQUEST, DispatcherType.ASYNC })
public class ClientAddressFilter implements Filter {

    /** The request property: {@link Boolean#TRUE} when the request came from the loopback interface. */
    static final String FROM_LOOPBACK = ClientAddressFilter.class.getName() + ".fromLoopback";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        request.setAttribute(FROM_LOOPBACK, isLoopback(request.getRemoteAddr()));
        chain.doFilter(request, response);
    }

    static boolean isLoopback(String address) {
        if (address == null || address.isEmpty()) {
            return false;
        }
        try {
            // A numeric address: no name lookup happens.
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
