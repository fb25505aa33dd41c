package org.gantry.repository.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry model repository",
        description = "A local folder in Triton's layout: <model>/config.pbtxt and numeric version folders.")
@interface RepositoryConfig {

    @AttributeDefinition(name = "Path",
            description = "The repository folder; relative paths are resolved against the server's home folder."
                    + " The distribution's file sets it from the environment variable " + LocalModelRepository.PATH_ENV
                    + " when that is set.")
    String path() default LocalModelRepository.DEFAULT_PATH;
}
