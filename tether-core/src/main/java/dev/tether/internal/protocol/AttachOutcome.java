package dev.tether.internal.protocol;

/**
 * What {@link ThreadStates#ensure} did: the thread is now attached ({@link Attachment}), or nothing changed
 * ({@link Refusal}). Callers branch with a {@code switch}; a refusal is a value, not an exception, so that
 * {@code tryEnsure} costs nothing extra when it is refused.
 */
public sealed interface AttachOutcome permits Attachment, Refusal {}
