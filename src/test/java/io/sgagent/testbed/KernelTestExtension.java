package io.sgagent.testbed;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Backs {@link KernelTest}: calls {@link KernelSupport#assumeKernel()}. */
public final class KernelTestExtension implements BeforeAllCallback, BeforeEachCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        KernelSupport.assumeKernel();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        KernelSupport.assumeKernel();
    }
}
