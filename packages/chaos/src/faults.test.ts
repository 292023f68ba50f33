import { describe, expect, test } from 'vitest';
import { allConnected, refusedOutsideFaults, switchOverRefusals, type FaultRecord } from './faults.js';

const nodeKill = (): FaultRecord => ({
  fault: 'node-kill-ingress',
  target: 'n1@localhost',
  durationMs: 10_000,
  recoveredMs: 200,
  at: 1_000,
  switchOver: {
    readyAfterMs: 900,
    movedAfterMs: 1_500,
    ingressNode: 'n2@localhost',
    connections: {},
    answered: 0,
    refused: 0,
    refusedForMs: 0,
  },
});

// Answered at (epoch ms) with status; 0 = no answer at all.
const answers = [
  { at: 500, status: 202 },
  { at: 1_100, status: 503 },
  { at: 1_400, status: 0 },
  { at: 1_900, status: 202 },
  { at: 11_000, status: 202 },
  { at: 11_001, status: 503 },
];

describe('switch-over figures', () => {
  test('count attempts and refusals between the kill and the revive, and how long refusals went on', () => {
    expect(switchOverRefusals(nodeKill(), answers).switchOver).toMatchObject({
      answered: 4,
      refused: 2,
      refusedForMs: 400,
    });
  });

  test('a refusal after the revived node is back counts as outside the switch-over', () => {
    expect(refusedOutsideFaults([nodeKill()], answers)).toBe(1);
    expect(refusedOutsideFaults([], answers)).toBe(3);
  });

  test('every service needs all its connections, none on the killed node', () => {
    const expected = { ingress: 1, 'identity-sync': 2 };
    expect(allConnected({ ingress: ['n2'], 'identity-sync': ['n3', 'n2'] }, expected, 'n1')).toBe(true);
    expect(allConnected({ ingress: ['n2'], 'identity-sync': ['n3', 'n1'] }, expected, 'n1')).toBe(false);
    expect(allConnected({ ingress: ['n2'], 'identity-sync': ['n3'] }, expected, 'n1')).toBe(false);
    expect(allConnected({ 'identity-sync': ['n3', 'n2'] }, expected)).toBe(false);
  });
});
