package org.gantry.api.traffic;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** What data capture has written and dropped, per model. */
@ProviderType
public interface CaptureStatistics {

    /** Every model with capture on that has had a request since the server started, by name. */
    List<CaptureReport> reports();

    /**
     * One model's capture.
     *
     * @param model        the model
     * @param sampled      exchanges the sample chose
     * @param written      records written to files
     * @param dropped      sampled exchanges not written because the writer had fallen behind (its queue full) or the
     *                     disk refused
     * @param bytesWritten bytes written, records and tensor files
     */
    record CaptureReport(String model, long sampled, long written, long dropped, long bytesWritten) {
    }
}
