package org.gantry.rest.internal;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Selects the extensions every Gantry resource needs: JSON, the error shape and access control.
 * The whiteboard publishes a resource only once all of them are present, so no endpoint is ever served without
 * its guards.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface GantryExtensions {

    String PREFIX_ = "osgi.jakartars.";

    String[] extension_select() default { "(osgi.jakartars.name=" + JacksonExtension.NAME + ")",
            "(osgi.jakartars.name=" + ErrorMapper.NAME + ")", "(osgi.jakartars.name=" + AccessControl.NAME + ")" };
}
