/**
 * The context menu of a version chip (right-click, or the keyboard's context-menu key):
 * open the version, pull it into a chamber, fork it, its history, its lineage.
 */
import { CommandRegistry } from '@lumino/commands';
import { Menu } from '@lumino/widgets';
import type React from 'react';

import { parseRef } from './models';
import { CommandIDs } from './tokens';

export type ChipMenu = (ref: string, event: React.MouseEvent) => void;

export function createChipMenu(commands: CommandRegistry): ChipMenu {
  const menu = new Menu({ commands });
  menu.addClass('jp-Artifacts-chip-menu');
  return (ref: string, event: React.MouseEvent) => {
    const parsed = parseRef(ref);
    if (parsed === null) {
      return;
    }
    menu.clearItems();
    menu.addItem({ command: CommandIDs.openVersion, args: { ref } });
    menu.addItem({
      command: CommandIDs.pullIntoChamber,
      args: { ref, choose: true }
    });
    if (commands.hasCommand(CommandIDs.forkArtifact)) {
      menu.addItem({ command: CommandIDs.forkArtifact, args: { ref, choose: true } });
    }
    menu.addItem({ type: 'separator' });
    menu.addItem({
      command: CommandIDs.showHistory,
      args: { id: parsed.artifactId }
    });
    if (commands.hasCommand(CommandIDs.openLineage)) {
      menu.addItem({ command: CommandIDs.openLineage, args: { ref } });
    }
    menu.open(event.clientX, event.clientY);
  };
}
