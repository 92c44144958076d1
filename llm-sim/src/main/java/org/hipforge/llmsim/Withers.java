package org.hipforge.llmsim;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;

/**
 * What the {@code withX} methods of the simulator's settings records share: checking a value, and
 * copying the record with some components replaced (through its canonical constructor, so the
 * record's own checks run again).
 */
final class Withers {
  private Withers() {}

  /** Throws {@code "<message>, but was <value>"} unless {@code ok}. */
  static void check(boolean ok, String message, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(message + ", but was " + value);
    }
  }

  /**
   * A copy of {@code from} with each named component set to the value that follows its name, e.g.
   * {@code copy(this, "trickleRate", rate, "trickleMs", ms)}.
   */
  static <R extends Record> R copy(R from, Object... namesAndValues) {
    Class<?> type = from.getClass();
    RecordComponent[] parts = type.getRecordComponents();
    Class<?>[] types = new Class<?>[parts.length];
    Object[] values = new Object[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        types[i] = parts[i].getType();
        values[i] = parts[i].getAccessor().invoke(from);
      }
      for (int k = 0; k < namesAndValues.length; k += 2) {
        values[indexOf(parts, (String) namesAndValues[k])] = namesAndValues[k + 1];
      }
      Constructor<?> canonical = type.getDeclaredConstructor(types);
      @SuppressWarnings("unchecked")
      R copy = (R) canonical.newInstance(values);
      return copy;
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot copy " + type.getSimpleName(), e);
    }
  }

  private static int indexOf(RecordComponent[] parts, String name) {
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].getName().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "no component '" + name + "' in " + parts[0].getDeclaringRecord().getSimpleName());
  }
}
