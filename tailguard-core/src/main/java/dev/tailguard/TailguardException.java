package dev.tailguard;

/**
 * The base of every exception Tailguard raises itself.
 *
 * @since 0.1
 */
public class TailguardException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message the message
   * @param cause the cause, or null
   */
  public TailguardException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception, choosing whether to fill in a stack trace. Hot-path rejections skip it.
   *
   * @param message the message
   * @param cause the cause, or null
   * @param writableStackTrace whether to record the stack trace
   */
  protected TailguardException(String message, Throwable cause, boolean writableStackTrace) {
    super(message, cause, true, writableStackTrace);
  }
}
