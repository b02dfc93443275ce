package dev.tether.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.HostAccess;
import dev.tether.fixtures.Account;
import dev.tether.fixtures.Account.Savings;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Member tables and their decisions, in process (no CPython: the tables are pure Java). */
class HostPolicyTest {
    private static final HostPolicy ALL = new HostPolicy("ALL", true, true, List.of(), Set.of(), Set.of(), Map.of(),
            Map.of());
    private static final HostPolicy EXPLICIT = new HostPolicy("EXPLICIT", true, false,
            List.of(HostAccess.Export.class), Set.of(), Set.of(), Map.of(), Map.of());

    @Test
    void allReachesPublicMembersButNotSensitiveOnes() {
        HostClass t = ALL.table(Account.class);
        assertTrue(t.methods.containsKey("getBalance") && t.methods.containsKey("setBalance"));
        assertTrue(t.methods.containsKey("from") && t.methods.containsKey("from_"), "keyword alias");
        assertTrue(t.properties.containsKey("balance") && t.properties.get("balance").setters != null);
        assertTrue(t.properties.containsKey("open") && t.properties.get("open").setters == null);
        assertTrue(t.properties.containsKey("id") && t.properties.get("id").fieldSetter != null);
        assertTrue(t.methods.containsKey("toString") && t.methods.containsKey("hashCode"));
        for (String sensitive : List.of("getClass", "wait", "notify", "notifyAll")) {
            assertFalse(t.methods.containsKey(sensitive), sensitive);
            assertTrue(t.denied.get(sensitive).contains("java.lang.Object." + sensitive), t.denied.get(sensitive));
        }
        assertTrue(t.denied.get("create").contains("static"), t.denied.get("create"));
    }

    @Test
    void explicitReachesOnlyExportedMembers() {
        HostClass t = EXPLICIT.table(Account.class);
        assertEquals(Set.of("getBalance"), t.methods.keySet());
        assertTrue(t.properties.containsKey("balance") && t.properties.containsKey("owner"));
        assertNull(t.properties.get("balance").setters);
        assertTrue(t.denied.get("setBalance").contains("@HostAccess.Export"), t.denied.get("setBalance"));
        assertTrue(t.denied.containsKey("id") && t.denied.containsKey("open"));
        HostClass s = EXPLICIT.table(Savings.class);
        assertTrue(s.methods.containsKey("isOpen") && s.properties.containsKey("open"), "an exported override");
    }

    @Test
    void sensitiveObjectsAreInertUnlessNamed() {
        HostClass runtime = ALL.table(Runtime.class);
        assertTrue(runtime.methods.isEmpty(), runtime.methods.keySet().toString());
        assertTrue(runtime.denied.get("exec").startsWith("java.lang.Runtime.exec is not accessible"));
        HostPolicy named = new HostPolicy("named", true, false, List.of(), Set.of(), Set.of(),
                Map.of(Runtime.class, Set.of("availableProcessors")), Map.of());
        assertEquals(Set.of("availableProcessors"), named.table(Runtime.class).methods.keySet());
        HostClass method = ALL.table(java.lang.reflect.Method.class);
        assertNotNull(method.denied.get("invoke"));
        assertFalse(method.methods.containsKey("invoke"));
    }

    @Test
    void builderClassesPackagesAndDenials() {
        HostPolicy p = new HostPolicy("b", true, false, List.of(), Set.of(CharSequence.class), Set.of(), Map.of(),
                Map.of(CharSequence.class, Set.of("chars")));
        HostClass t = p.table(StringBuilder.class);
        assertTrue(t.methods.containsKey("length") && t.methods.containsKey("charAt"), "members of CharSequence");
        assertFalse(t.methods.containsKey("append"), "not a CharSequence member");
        assertTrue(t.denied.get("chars").contains("denies"), t.denied.get("chars"));
        HostPolicy pkg = new HostPolicy("p", true, false, List.of(), Set.of(), Set.of("dev.tether.fixtures"),
                Map.of(), Map.of());
        assertTrue(pkg.table(Account.class).methods.containsKey("getBalance"), "an allowed package");
        assertFalse(pkg.table(Account.class).methods.containsKey("toString"), "declared elsewhere");
        assertTrue(ALL.table(HostPolicyTest.class).methods.isEmpty(), "Tether's internals are sensitive");
    }

    @Test
    void inaccessibleClassesAreReachedOnlyThroughPublicTypes() {
        HostClass list = ALL.table(List.of(1, 2).getClass());  // an ImmutableCollections class: not public
        assertTrue(list.methods.containsKey("get") && list.methods.containsKey("size"), "through List");
        assertEquals("get", list.methods.get("get").candidates[0].method.getName());
        assertTrue(list.methods.get("get").candidates[0].method.getDeclaringClass().isInterface()
                || java.lang.reflect.Modifier.isPublic(
                        list.methods.get("get").candidates[0].method.getDeclaringClass().getModifiers()));
    }

    @Test
    void beanNames() {
        assertEquals("count", HostClass.beanName("getCount"));
        assertEquals("open", HostClass.beanName("isOpen"));
        assertEquals("URL", HostClass.beanName("getURL"));
        assertNull(HostClass.beanName("get"));
        assertNull(HostClass.beanName("getaway"));
    }
}
