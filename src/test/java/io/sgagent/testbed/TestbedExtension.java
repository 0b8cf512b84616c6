package io.sgagent.testbed;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Owns a {@link Testbed} for a test class:
 *
 * <pre>
 * &#64;RegisterExtension
 * static final TestbedExtension TB = new TestbedExtension("sgrules");
 * ...
 * Vm vm = TB.get().addVm("vm1", "vnet1", "52:54:00:00:00:01", List.of("10.99.0.11"), List.of("fd99::11"));
 * </pre>
 *
 * As a static field the testbed lives for the whole class (created before all, closed after all, also when tests
 * fail); as an instance field, one testbed per test method. Aborts the tests if the kernel is not usable (see
 * {@link KernelSupport}).
 */
public final class TestbedExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private final String prefix;
    private volatile Testbed testbed;
    private volatile boolean perMethod;

    public TestbedExtension(String prefix) {
        this.prefix = prefix;
    }

    /** The running testbed. */
    public Testbed get() {
        Testbed tb = testbed;
        if (tb == null) {
            throw new IllegalStateException("testbed " + prefix + " not started (is the extension field static?)");
        }
        return tb;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        KernelSupport.assumeKernel();
        testbed = Testbed.create(prefix);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeNow();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (testbed == null) {
            KernelSupport.assumeKernel();
            perMethod = true;
            testbed = Testbed.create(prefix);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perMethod) {
            closeNow();
        }
    }

    private void closeNow() {
        Testbed tb = testbed;
        testbed = null;
        if (tb != null) {
            tb.close();
        }
    }
}
