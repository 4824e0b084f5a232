package dev.vecrnn.examples.scoring;

/** A request the service refuses: the status and the one-line message sent back as {@code {"error": ...}}. */
final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
