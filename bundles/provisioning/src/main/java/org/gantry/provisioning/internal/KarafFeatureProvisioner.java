package org.gantry.provisioning.internal;

import java.util.EnumSet;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.karaf.features.BootFinished;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.gantry.api.backend.BackendProvisioner;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Backends on demand in Karaf: a model whose platform no running backend serves, but a configured feature provides
 * (TensorFlow ships installed but not started), gets that feature installed the first time it is asked for, once
 * Karaf's own boot is over. Only in Karaf: without its features service this component never activates.
 */
// Only once Karaf's boot features are installed (BootFinished): an install on demand during boot ran beside Karaf's
// own and met its features service restarting under it.
@Component(service = BackendProvisioner.class, configurationPid = KarafFeatureProvisioner.PID,
        reference = @Reference(name = "booted", service = BootFinished.class))
@Designate(ocd = ProvisioningConfig.class)
public final class KarafFeatureProvisioner implements BackendProvisioner {

    static final String PID = "org.gantry.provisioning";

    private final ExecutorService installer = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "gantry-feature-installer");
        thread.setDaemon(true);
        return thread;
    });
    private final OnDemandFeatures features;

    @Activate
    public KarafFeatureProvisioner(@Reference(name = "features") FeaturesService karaf, ProvisioningConfig config) {
        this.features = new OnDemandFeatures(new OnDemandFeatures.Features() {
            @Override
            public boolean isInstalled(String feature) throws Exception {
                Feature found = karaf.getFeature(feature);
                if (found == null) {
                    throw new IllegalStateException("no feature " + feature + " in Karaf's feature repositories");
                }
                return karaf.isInstalled(found);
            }

            @Override
            public void install(String feature) throws Exception {
                // No refresh of running bundles: the server keeps serving while the backend's bundles start.
                karaf.installFeature(feature, EnumSet.of(FeaturesService.Option.NoAutoRefreshBundles));
            }
        }, installer, config.installOnDemand(), OnDemandFeatures.parse(config.features()));
    }

    @Deactivate
    void deactivate() {
        installer.shutdownNow();
    }

    @Override
    public Optional<Provisioning> provision(String backendOrPlatform) {
        return features.provision(backendOrPlatform);
    }
}
