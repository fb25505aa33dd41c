package org.gantry.repository.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/repository-config", name = "%name", description = "%description")
@interface RepositoryConfig {

    @AttributeDefinition(name = "%path.name", description = "%path.description")
    String path() default LocalModelRepository.DEFAULT_PATH;
}
