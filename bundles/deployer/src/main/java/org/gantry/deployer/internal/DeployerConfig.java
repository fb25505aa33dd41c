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
            description = "Archives that expand to more are refused. 8 GiB holds a model of about four billion"
                    + " fp16 parameters with its tokenizer; larger models belong in the model repository, not in an"
                    + " archive. The free disk space less keepFreeBytes bounds it further.",
            min = "1")
    long maxBytes() default 8L * 1024 * 1024 * 1024;

    @AttributeDefinition(name = "Most entries", description = "Archives with more entries are refused.", min = "1")
    int maxEntries() default 10_000;

    @AttributeDefinition(name = "Free disk space to keep (bytes)",
            description = "Unpacking stops before the unpack folder's file system has less than this left, so that"
                    + " a large archive cannot starve the logs, the other models or the system.",
            min = "0")
    long keepFreeBytes() default 1024L * 1024 * 1024;

    @AttributeDefinition(name = "Largest compression ratio",
            description = "A zip entry that expands to more than this many times its compressed size, or a whole"
                    + " archive to more than this many times the compressed bytes read so far, is refused (a zip"
                    + " bomb). Weights compress to 70-95 % of their size and tokenizers 3-10 fold, while a bomb of"
                    + " zeros expands about 1000 fold.",
            min = "1")
    int maxCompressionRatio() default 100;

    @AttributeDefinition(name = "Compression ratio applies from (bytes)",
            description = "Files, and archives, that expand to no more than this are not held to the compression"
                    + " ratio: a small config or vocabulary file may compress very well.",
            min = "0")
    long compressionRatioFromBytes() default 1024L * 1024;
}
