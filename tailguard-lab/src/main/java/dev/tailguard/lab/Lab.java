package dev.tailguard.lab;

/** Placeholder main; replaced below. */
public final class Lab {
  public static void main(String[] args) {}
}
