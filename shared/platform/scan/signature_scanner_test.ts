import { virusScannerContract } from "@colink/testing";
import { createSignatureScanner } from "./signature_scanner.ts";

virusScannerContract("signatures", () => Promise.resolve(createSignatureScanner()));
