package org.gantry.api.model;

import java.util.Collections;
import java.util.NavigableSet;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which of a model's versions are served (Triton's {@code version_policy}).
 */
public sealed interface VersionPolicy {
    /** Triton's default: the newest version only. */
    VersionPolicy DEFAULT = new Latest(1);

    /** The versions to serve among those available, in ascending order. */
    SortedSet<Long> select(SortedSet<Long> available);

    /** The {@code numVersions} newest versions. */
    record Latest(int numVersions) implements VersionPolicy {
        public Latest {
            if (numVersions < 1) {
                throw new IllegalArgumentException("latest.num_versions must be at least 1: " + numVersions);
            }
        }

        @Override
        public SortedSet<Long> select(SortedSet<Long> available) {
            NavigableSet<Long> selected = new TreeSet<>();
            for (Long version : new TreeSet<>(available).descendingSet()) {
                if (selected.size() == numVersions) {
                    break;
                }
                selected.add(version);
            }
            return Collections.unmodifiableSortedSet(selected);
        }
    }

    /** Every version in the repository. */
    record All() implements VersionPolicy {
        @Override
        public SortedSet<Long> select(SortedSet<Long> available) {
            return Collections.unmodifiableSortedSet(new TreeSet<>(available));
        }
    }

    /** The listed versions that exist in the repository. */
    record Specific(SortedSet<Long> versions) implements VersionPolicy {
        public Specific {
            versions = Collections.unmodifiableSortedSet(new TreeSet<>(versions));
        }

        @Override
        public SortedSet<Long> select(SortedSet<Long> available) {
            TreeSet<Long> selected = new TreeSet<>(available);
            selected.retainAll(versions);
            return Collections.unmodifiableSortedSet(selected);
        }
    }
}
