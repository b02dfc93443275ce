package dev.tether.internal.bridge;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;

/**
 * The element type of a buffer, from its struct-syntax format ({@code "d"}, {@code "<f"}, {@code "=q"}, {@code "?"}):
 * what Java can read of one element. Only single native or standard-size items are readable; anything else
 * (records {@code "T{...}"}, counts {@code "2d"}, complex {@code "Zd"}, pointers) is {@link Kind#OTHER}.
 *
 * @param code     the type character
 * @param kind     what the element is
 * @param unsigned whether an integer element is unsigned
 * @param size     the element's size in bytes
 * @param layout   how to read it (unaligned, in the format's byte order); null for {@link Kind#OTHER}
 */
record StructFormat(char code, Kind kind, boolean unsigned, int size, ValueLayout layout) {
    /** What an element is. */
    enum Kind { BOOL, INT, FLOAT, OTHER }

    private static final StructFormat OPAQUE = new StructFormat('?', Kind.OTHER, false, 0, null);

    /**
     * Parses {@code format}; {@code itemSize} (the exporter's {@code itemsize}) must agree with the size the format
     * implies, or the element is {@link Kind#OTHER}. Native sizes are those of Linux LP64 ({@code l} is 8 bytes),
     * standard sizes those of the struct module ({@code l} is 4 bytes with a {@code =<>!} prefix).
     */
    static StructFormat parse(String format, long itemSize) {
        if (format == null || format.isEmpty() || format.length() > 2) {
            return OPAQUE;
        }
        char prefix = format.length() == 2 ? format.charAt(0) : '@';
        char code = format.charAt(format.length() - 1);
        ByteOrder order = switch (prefix) {
            case '@', '=' -> ByteOrder.nativeOrder();
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            case '>', '!' -> ByteOrder.BIG_ENDIAN;
            default -> null;
        };
        if (order == null) {
            return OPAQUE;
        }
        boolean nativeSizes = prefix == '@';
        StructFormat f = switch (code) {
            case '?' -> of(code, Kind.BOOL, false, 1, order);
            case 'b' -> of(code, Kind.INT, false, 1, order);
            case 'B' -> of(code, Kind.INT, true, 1, order);
            case 'h' -> of(code, Kind.INT, false, 2, order);
            case 'H' -> of(code, Kind.INT, true, 2, order);
            case 'i' -> of(code, Kind.INT, false, 4, order);
            case 'I' -> of(code, Kind.INT, true, 4, order);
            case 'l' -> of(code, Kind.INT, false, nativeSizes ? 8 : 4, order);
            case 'L' -> of(code, Kind.INT, true, nativeSizes ? 8 : 4, order);
            case 'q', 'n' -> of(code, Kind.INT, false, 8, order);
            case 'Q', 'N' -> of(code, Kind.INT, true, 8, order);
            case 'e' -> of(code, Kind.FLOAT, false, 2, order);
            case 'f' -> of(code, Kind.FLOAT, false, 4, order);
            case 'd' -> of(code, Kind.FLOAT, false, 8, order);
            default -> OPAQUE;
        };
        return f.size == itemSize ? f : OPAQUE;
    }

    private static StructFormat of(char code, Kind kind, boolean unsigned, int size, ByteOrder order) {
        ValueLayout layout = switch (kind == Kind.FLOAT ? -size : size) {
            case 1 -> ValueLayout.JAVA_BYTE;
            case 2, -2 -> ValueLayout.JAVA_SHORT_UNALIGNED;
            case 4 -> ValueLayout.JAVA_INT_UNALIGNED;
            case 8 -> ValueLayout.JAVA_LONG_UNALIGNED;
            case -4 -> ValueLayout.JAVA_FLOAT_UNALIGNED;
            case -8 -> ValueLayout.JAVA_DOUBLE_UNALIGNED;
            default -> throw new IllegalArgumentException("size " + size);
        };
        return new StructFormat(code, kind, unsigned, size, layout.withOrder(order));
    }

    /** Whether every element converts to a Java {@code long} exactly. */
    boolean fitsLong() {
        return kind == Kind.INT && (size < 8 || !unsigned);
    }

    /** Whether every element converts to a Java {@code int} exactly. */
    boolean fitsInt() {
        return kind == Kind.INT && (size < 4 || (size == 4 && !unsigned));
    }

    /** Whether every element converts to a Java {@code float} exactly. */
    boolean fitsFloat() {
        return kind == Kind.FLOAT && size <= 4;
    }

    /** Whether this layout is the Java one of {@code carrier} in native order: bulk copies need no conversion. */
    boolean isJava(Class<?> carrier) {
        return layout != null && layout.carrier() == carrier && layout.order() == ByteOrder.nativeOrder()
                && (kind == Kind.FLOAT) == (carrier == double.class || carrier == float.class)
                && !(kind == Kind.INT && unsigned && size > 1)
                && !(kind == Kind.FLOAT && size == 2);
    }

    /** The integer at {@code offset}; the caller checked {@link #fitsLong()}. */
    long readLong(MemorySegment s, long offset) {
        return switch (size) {
            case 1 -> unsigned ? Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, offset))
                    : s.get(ValueLayout.JAVA_BYTE, offset);
            case 2 -> {
                short v = s.get((ValueLayout.OfShort) layout, offset);
                yield unsigned ? Short.toUnsignedLong(v) : v;
            }
            case 4 -> {
                int v = s.get((ValueLayout.OfInt) layout, offset);
                yield unsigned ? Integer.toUnsignedLong(v) : v;
            }
            default -> s.get((ValueLayout.OfLong) layout, offset);
        };
    }

    /** The floating-point number at {@code offset}; the caller checked the kind. */
    double readDouble(MemorySegment s, long offset) {
        return switch (size) {
            case 2 -> Float.float16ToFloat(s.get((ValueLayout.OfShort) layout, offset));
            case 4 -> s.get((ValueLayout.OfFloat) layout, offset);
            default -> s.get((ValueLayout.OfDouble) layout, offset);
        };
    }

    /** The element at {@code offset} as {@code toJava()} gives it: Boolean, Long (BigInteger beyond), Double; null for OTHER. */
    Object readJava(MemorySegment s, long offset) {
        return switch (kind) {
            case BOOL -> s.get(ValueLayout.JAVA_BYTE, offset) != 0;
            case INT -> {
                long v = readLong(s, offset);
                yield unsigned && size == 8 && v < 0 ? new BigInteger(Long.toUnsignedString(v)) : (Object) v;
            }
            case FLOAT -> readDouble(s, offset);
            case OTHER -> null;
        };
    }
}
