package dev.tether;

/**
 * A value could not be converted between Java and Python: a Java type with no Python counterpart, a Python value of
 * another kind than requested, or a number that does not fit the requested Java type (never a silent wrap). See the
 * <a href="PyObject.html#conversions">conversion table</a>.
 */
public class ConversionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Always {@link ErrorCode#CONVERSION_FAILED}. */
    public ErrorCode code() {
        return ErrorCode.CONVERSION_FAILED;
    }

    /**
     * Creates an exception.
     *
     * @param message what could not be converted, naming the types
     */
    public ConversionException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what could not be converted, naming the types
     * @param cause   the underlying failure
     */
    public ConversionException(String message, Throwable cause) {
        super(message, cause);
    }
}
