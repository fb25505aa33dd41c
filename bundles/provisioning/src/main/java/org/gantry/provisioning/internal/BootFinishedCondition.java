package org.gantry.provisioning.internal;

import org.apache.karaf.features.BootFinished;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.condition.Condition;

/**
 * The condition {@value #ID}: Karaf has installed its boot features, so the backends the distribution boots with
 * run. The runtime's configuration waits for it before the server says ready (a probe that said ready earlier sent
 * requests to a server whose TorchScript backend had not arrived yet). Only in Karaf: without its
 * {@link BootFinished} service this component never activates.
 */
@Component(service = Condition.class, property = Condition.CONDITION_ID + "=" + BootFinishedCondition.ID,
        reference = @Reference(name = "booted", service = BootFinished.class))
public final class BootFinishedCondition implements Condition {

    static final String ID = "gantry.boot.finished";
}
