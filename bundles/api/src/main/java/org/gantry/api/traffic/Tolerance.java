package org.gantry.api.traffic;

/**
 * How far a shadow's floating-point element may be from the primary's and still agree, as {@code numpy.allclose}
 * has it: {@code |primary - shadow| <= absolute + relative * |primary|}. The same model gives slightly different
 * floats for a batch of one than for a batch of sixteen on a GPU (other kernels, other summation orders), so an exact
 * comparison would call every answer a disagreement; integers, token ids, booleans and strings always compare
 * exactly.
 *
 * @param absolute the absolute tolerance, 0 or more
 * @param relative the tolerance relative to the primary's element, 0 or more
 */
public record Tolerance(double absolute, double relative) {

    /** Equal or not at all. */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    /** {@code numpy.allclose}'s defaults: 1e-8 absolute, 1e-5 relative. */
    public static final Tolerance DEFAULT = new Tolerance(1e-8, 1e-5);

    public Tolerance {
        if (!(absolute >= 0) || !(relative >= 0)) {
            throw new IllegalArgumentException("tolerances are 0 or more, not " + absolute + " and " + relative);
        }
    }

    /** Whether the shadow's element agrees with the primary's. */
    public boolean allows(double primary, double shadow) {
        return Math.abs(primary - shadow) <= absolute + relative * Math.abs(primary);
    }
}
