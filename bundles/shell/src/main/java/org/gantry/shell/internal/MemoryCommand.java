package org.gantry.shell.internal;

import java.time.Instant;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.gantry.api.memory.MemoryManager;
import org.gantry.api.memory.MemoryReport;

/** Devices, budgets and the models holding memory: what the memory manager sees. */
@Service
@Command(scope = "gantry", name = "memory", description = "Shows devices, budgets and the memory each model holds")
public class MemoryCommand implements Action {

    @Reference
    MemoryManager memory;

    @Override
    public Object execute() {
        MemoryReport report = memory.report();
        ShellTable devices = new ShellTable();
        devices.column("Device");
        devices.column("Capacity").alignRight();
        devices.column("Budget").alignRight();
        devices.column("Used").alignRight();
        devices.column("Models").alignRight();
        ShellTable models = new ShellTable();
        models.column("Device");
        models.column("Model");
        models.column("Version");
        models.column("Bytes").alignRight();
        models.column("Pinned");
        models.column("State");
        models.column("Last used");
        for (MemoryReport.DeviceMemory device : report.devices()) {
            devices.addRow().addContent(device.name(), device.capacityBytes(), device.budgetBytes(), device.usedBytes(),
                    device.models().size());
            for (MemoryReport.LeaseInfo lease : device.models()) {
                models.addRow().addContent(device.name(), lease.model(), lease.version(), lease.bytes(),
                        lease.pinned() ? "yes" : "", lease.state(), Instant.ofEpochMilli(lease.lastUsedMillis()));
            }
        }
        devices.print(System.out);
        System.out.println();
        models.print(System.out);
        System.out.println("Evictions since start: " + report.evictions());
        MemoryReport.HostTier tier = report.hostTier();
        System.out.printf("Host tier: %d of %d bytes, %d model(s); reloads from the host tier %d (%.1f ms in all),"
                + " from disk %d (%.1f ms in all); sent on to disk %d%n", tier.usedBytes(), tier.budgetBytes(),
                tier.entries(), tier.hits(), tier.hitReloadNanos() / 1e6, tier.misses(), tier.missReloadNanos() / 1e6,
                tier.dropped());
        return null;
    }
}
