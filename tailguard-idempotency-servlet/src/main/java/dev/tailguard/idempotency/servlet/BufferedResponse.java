package dev.tailguard.idempotency.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * Keeps the handler's status and body in memory; headers go to the real response as usual. The
 * filter stores the outcome, then {@link #commitTo} writes it.
 */
final class BufferedResponse extends HttpServletResponseWrapper {
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private int status = 200;
  private PrintWriter writer;
  private ServletOutputStream stream;

  BufferedResponse(HttpServletResponse response) {
    super(response);
  }

  int status() {
    return status;
  }

  byte[] bytes() {
    if (writer != null) {
      writer.flush();
    }
    return body.toByteArray();
  }

  void commitTo(HttpServletResponse response) throws IOException {
    byte[] bytes = bytes();
    response.setStatus(status);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  @Override
  public void setStatus(int sc) {
    this.status = sc;
  }

  @Override
  public void sendError(int sc) {
    this.status = sc;
  }

  @Override
  public void sendError(int sc, String msg) {
    this.status = sc;
  }

  @Override
  public int getStatus() {
    return status;
  }

  @Override
  public void setContentLength(int len) {
    // The filter sets the length of what it finally writes.
  }

  @Override
  public void setContentLengthLong(long len) {
    // As above.
  }

  @Override
  public void flushBuffer() {
    // Nothing reaches the client before the outcome is stored.
  }

  @Override
  public boolean isCommitted() {
    return false;
  }

  @Override
  public ServletOutputStream getOutputStream() {
    if (stream == null) {
      stream = new ServletOutputStream() {
        @Override
        public void write(int b) {
          body.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          body.write(b, off, len);
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
          throw new UnsupportedOperationException("the idempotency filter buffers the response; async writes are not needed");
        }
      };
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() {
    if (writer == null) {
      String encoding = getCharacterEncoding();
      writer = new PrintWriter(new OutputStreamWriter(body, encoding == null ? Charset.defaultCharset() : Charset.forName(encoding)));
    }
    return writer;
  }
}
