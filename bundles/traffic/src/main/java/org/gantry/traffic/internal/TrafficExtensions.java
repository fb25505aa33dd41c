package org.gantry.traffic.internal;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Selects the whiteboard extensions every Gantry resource is served with, by their names: JSON, the error shape
 * ({@code {"error": "..."}}) and access control. Named rather than referenced, so this bundle depends on no other
 * bundle's internals; the whiteboard publishes the resource only once all three are present, so traffic data and decisions are
 * never served unguarded.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface TrafficExtensions {

    String PREFIX_ = "osgi.jakartars.";

    String[] extension_select() default { "(osgi.jakartars.name=gantry.jackson)",
            "(osgi.jakartars.name=gantry.errors)", "(osgi.jakartars.name=gantry.access)" };
}
