using System.Text;

namespace Diffusion.Torch.Native;

/// <summary>The status codes of dt_common.h and their translation into exceptions.</summary>
internal static class NativeStatus
{
    internal const int Ok = 0;
    internal const int TorchError = 1;
    internal const int OutOfMemory = 2;
    internal const int InvalidArgument = 3;
    internal const int StdException = 4;
    internal const int Unknown = 5;

    // libtorch messages can carry long context (e.g. every registered kernel of a dispatcher error);
    // the first lines say what went wrong.
    private const int MaxMessageLines = 12;

    /// <summary>Throws the exception for a failed status, with the thread's native error message.</summary>
    internal static void Check(int status)
    {
        if (status != Ok)
            throw CreateException(status);
    }

    internal static TorchException CreateException(int status)
    {
        var message = Trim(LastError());
        return status == OutOfMemory
            ? new TorchOutOfMemoryException(message)
            : new TorchException(message, (TorchErrorKind)status);
    }

    internal static unsafe string LastError()
    {
        long length = NativeMethods.dt_last_error(null, 0);
        if (length <= 0)
            return "libtorch reported an error without a message";
        var buffer = new byte[checked((int)length + 1)];
        fixed (byte* p = buffer)
            NativeMethods.dt_last_error(p, buffer.Length);
        return Encoding.UTF8.GetString(buffer, 0, (int)length);
    }

    private static string Trim(string message)
    {
        var lines = message.TrimEnd().Split('\n');
        return lines.Length <= MaxMessageLines
            ? string.Join('\n', lines)
            : string.Join('\n', lines.Take(MaxMessageLines)) + $"\n... ({lines.Length - MaxMessageLines} more lines)";
    }
}
