import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { type DevicePageData, postDevice, showDevice } from "@/lib/login/device_page.ts";
import { DevicePage } from "@/components/login/DevicePage.tsx";

/** RFC 8628's verification URI: the person connects a device by its user code (lib/login/device_page.ts). */
export const handler: Handlers<DevicePageData> = {
  GET(c) {
    return showDevice(c);
  },
  POST(c) {
    return postDevice(c);
  },
};

export default function Device({ data }: PageProps<DevicePageData>) {
  return <DevicePage data={data} />;
}
