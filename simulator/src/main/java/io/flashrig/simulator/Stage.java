package io.flashrig.simulator;

/** Which firmware answers on the board's USB port: it decides the product string and whether OTP is reachable. */
public enum Stage {
    /** The ROM bootloader in DFU mode: it can be flashed, but it does not serve OTP. */
    ROM("DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000", "STM32MPxxx"),
    /** U-Boot's programming gadget, reached by a flash: it serves the OTP partition. */
    UBOOT("USB download gadget@Device ID /0x500, @Revision ID /0x2001, @Name /STM32MP157FAC Rev.Z,",
            "STM32MP157FAC Rev.Z");

    private final String productString;
    private final String deviceName;

    Stage(String productString, String deviceName) {
        this.productString = productString;
        this.deviceName = deviceName;
    }

    /** The USB product string this stage reports, shown as {@code Product ID} by the programmer. */
    public String productString() {
        return productString;
    }

    /** The device name the programmer shows once connected to this stage. */
    String deviceName() {
        return deviceName;
    }
}
