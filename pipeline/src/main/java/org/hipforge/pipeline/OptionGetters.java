package org.hipforge.pipeline;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Hidden;

/** Reads Beam options interfaces: their closure, a getter's flag name and its default's text. */
final class OptionGetters {
  private OptionGetters() {}

  /** Every interface of {@code options}' closure, itself first. */
  static List<Class<?>> closure(Class<?> options) {
    List<Class<?>> all = new ArrayList<>();
    List<Class<?>> todo = new ArrayList<>(List.of(options));
    while (!todo.isEmpty()) {
      Class<?> c = todo.remove(0);
      if (!all.contains(c)) {
        all.add(c);
        todo.addAll(List.of(c.getInterfaces()));
      }
    }
    return all;
  }

  /**
   * The flag name of a getter ({@code getWorkDir} → {@code workDir}), or null for other methods.
   */
  static String property(Method m) {
    if (m.getParameterCount() != 0
        || m.isDefault()
        || java.lang.reflect.Modifier.isStatic(m.getModifiers())
        || m.isAnnotationPresent(Hidden.class)
            && !m.getDeclaringClass().getName().startsWith("org.hipforge.")) {
      return null;
    }
    String n = m.getName();
    String rest = n.startsWith("get") ? n.substring(3) : n.startsWith("is") ? n.substring(2) : null;
    if (rest == null || rest.isEmpty() || n.equals("getClass")) {
      return null;
    }
    return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
  }

  static String defaultText(Method m) {
    if (m.isAnnotationPresent(Default.String.class)) {
      return m.getAnnotation(Default.String.class).value();
    }
    if (m.isAnnotationPresent(Default.Integer.class)) {
      return String.valueOf(m.getAnnotation(Default.Integer.class).value());
    }
    if (m.isAnnotationPresent(Default.Long.class)) {
      return String.valueOf(m.getAnnotation(Default.Long.class).value());
    }
    if (m.isAnnotationPresent(Default.Double.class)) {
      return String.valueOf(m.getAnnotation(Default.Double.class).value());
    }
    if (m.isAnnotationPresent(Default.Boolean.class)) {
      return String.valueOf(m.getAnnotation(Default.Boolean.class).value());
    }
    if (m.isAnnotationPresent(Default.Enum.class)) {
      return m.getAnnotation(Default.Enum.class).value();
    }
    if (m.isAnnotationPresent(Default.Class.class)) {
      return m.getAnnotation(Default.Class.class).value().getSimpleName();
    }
    if (m.isAnnotationPresent(Default.InstanceFactory.class)) {
      return "computed ("
          + m.getAnnotation(Default.InstanceFactory.class).value().getSimpleName()
          + ")";
    }
    return null;
  }
}
