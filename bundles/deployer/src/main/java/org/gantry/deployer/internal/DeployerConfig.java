package org.gantry.deployer.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry model archive deployer",
        description = "Model archives (.zip, .tar.gz, .tgz of a Triton model folder) dropped into deploy/.")
@interface DeployerConfig {

    @AttributeDefinition(name = "Unpack folder",
            description = "Where archives are unpacked. Empty: <karaf.data>/gantry/deployed.")
    String folder() default "";

    @AttributeDefinition(name = "Largest unpacked size (bytes)",
            description = "Archives that expand to more are refused (zip bombs).", min = "1")
    long maxBytes() default 16L * 1024 * 1024 * 1024;

    @AttributeDefinition(name = "Most entries", description = "Archives with more entries are refused.", min = "1")
    int maxEntries() default 10_000;
}
