package org.gantry.grpc.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/** Configuration annotations as DS hands them to components: given properties, defaults for the rest. */
final class TestConfigs {

    private TestConfigs() {
    }

    /** @param properties by property name as configured ({@code .adminToken} for {@code _adminToken()}) */
    static <A> A of(Class<A> type, Map<String, Object> properties) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type },
                (proxy, method, args) -> {
                    Object value = properties.get(propertyName(method));
                    return value != null ? value : method.getDefaultValue();
                }));
    }

    private static String propertyName(Method method) {
        String name = method.getName();
        return name.startsWith("_") ? "." + name.substring(1) : name;
    }
}
